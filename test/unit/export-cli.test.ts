import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';
import { clusterParameters } from '../../src/commands/export/cnpg/parameters.js';
import { quantity } from '../../src/commands/export/cnpg/cluster.js';
import { clusterName } from '../../src/commands/export/cnpg/names.js';
import { getTemplate } from '../../src/core/templates.js';

const penv = { env: {}, homeInUse: () => '/tmp/home' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('export argv -> options', () => {
  it.each([
    ['export cnpg', { target: 'cnpg', instance: 'main', instances: 3, storage: '10Gi', showSecrets: false }],
    [
      'export cnpg --instance app --namespace shop --instances 5 --storage 500Mi --out k8s --show-secrets',
      { instance: 'app', namespace: 'shop', instances: 5, storage: '500Mi', out: 'k8s', showSecrets: true },
    ],
    ['export compose --instance app --out deploy', { target: 'compose', instance: 'app', out: 'deploy' }],
    ['export compose --out deploy --force', { target: 'compose', out: 'deploy', force: true }],
    ['export cnpg --out k8s --force', { target: 'cnpg', out: 'k8s', force: true }],
  ])('%s', async (line, options) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('run');
    if (inv.kind === 'run') {
      expect(inv.command).toBe('export');
      expect(inv.options).toMatchObject(options);
    }
  });

  it.each([
    ['export cnpg --instances 0', /--instances must be a whole number from 1 to 99, not "0"/],
    ['export cnpg --instances two', /--instances must be a whole number/],
    ['export cnpg --storage 10GB', /invalid --storage "10GB"/],
    ['export cnpg --namespace Shop_1', /invalid --namespace "Shop_1"/],
    ['export cnpg --out --show-secrets', /--out needs a value/],
    ['export helm', /Unknown|unknown|helm/],
  ])('%s is refused', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
  });
});

describe('what the operator takes from an instance', () => {
  it('the testing template: durability-trading and replication settings stay behind, named', () => {
    const p = clusterParameters(getTemplate('testing').settings);
    expect(p.unsafe).toEqual(['fsync=off']);
    expect(p.managed).toEqual(['full_page_writes', 'max_wal_senders', 'wal_level']);
    expect(p.parameters).toEqual({
      max_connections: '100',
      shared_buffers: '128MB',
      synchronous_commit: 'off',
      log_timezone: 'UTC',
      timezone: 'UTC',
    });
  });

  it('fixed parameters, ssl* and recovery targets are never passed on', () => {
    const p = clusterParameters({
      listen_addresses: '*',
      port: '5433',
      ssl_cert_file: 'x',
      recovery_target_time: 't',
      work_mem: '8MB',
    });
    expect(p.parameters).toEqual({ work_mem: '8MB' });
    expect(p.managed).toHaveLength(4);
  });

  it('container sizes become quantities; instance names become DNS labels or a clear error', () => {
    expect([quantity('1g'), quantity('256m'), quantity('1536m')]).toEqual(['1Gi', '256Mi', '1536Mi']);
    expect(clusterName('App_1')).toBe('app-1');
    expect(() => clusterName('app-')).toThrow(/makes no Kubernetes name/);
  });
});
