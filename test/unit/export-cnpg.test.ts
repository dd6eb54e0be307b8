import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cnpgManifests } from '../../src/commands/export/cnpg/index.js';
import { exportInstance as runExport } from '../../src/commands/export/index.js';
import { gatherSource } from '../../src/commands/export/source.js';
import type { ExportCnpgOptions } from '../../src/commands/export/options.js';
import { CliError } from '../../src/core/errors.js';
import type { Instance } from '../../src/core/instance.js';
import { render } from '../../src/output/render.js';
import type { ServerFacts } from '../../src/postgres/server-facts.js';
import { validateDocument } from '../support/cnpg-models.js';
import {
  ADMIN_PASSWORD,
  APP_PASSWORD,
  exportInstance,
  facts,
  fakeDeps,
  ownerMode,
} from '../support/export-fixtures.js';
import { fakeWorld, type FakeWorld } from '../support/fake-context.js';

let world: FakeWorld;
afterEach(async () => world?.cleanup());

const cnpg = (over: Partial<ExportCnpgOptions> = {}): ExportCnpgOptions => ({
  target: 'cnpg',
  instance: 'main',
  instances: 3,
  storage: '10Gi',
  showSecrets: false,
  ...over,
});

async function exported(instance: Instance, f: ServerFacts | undefined, over: Partial<ExportCnpgOptions> = {}) {
  await world?.cleanup(); // a test may export twice
  world = await fakeWorld();
  await world.ctx.registry.save(instance);
  const res = await runExport(world.ctx, cnpg({ instance: instance.name, ...over }), undefined, fakeDeps(f));
  const byKind = (kind: string) => res.data.documents.filter((d) => d.kind === kind) as Array<Record<string, any>>;
  return { res, data: res.data, byKind, text: render(res, { format: 'text', color: false }) };
}

describe('export cnpg', () => {
  it('a default instance: one database, a microservice import, superuser access kept', async () => {
    const { data, byKind, text } = await exported(exportInstance(), facts());
    expect(text).toMatchSnapshot();
    const [cluster] = byKind('Cluster');
    expect(cluster!.spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:16');
    expect(cluster!.spec.enableSuperuserAccess).toBe(true);
    expect(cluster!.spec.bootstrap.initdb.import).toEqual({
      type: 'microservice',
      databases: ['vrooli'],
      source: { externalCluster: 'main-source' },
    });
    expect(cluster!.spec.resources.limits).toEqual({ memory: '1Gi', cpu: '2' });
    expect(byKind('Database')).toEqual([]);
    expect(data.documents.map((d) => d.kind)).toEqual(['Secret', 'Secret', 'Cluster']);
    for (const doc of data.documents) validateDocument(doc);
  });

  it('a tuned instance: production settings less what the operator manages, preloaded libraries, owner role', async () => {
    const instance = exportInstance({
      ...ownerMode,
      engine: 'native',
      image: undefined,
      version: '17',
      template: 'production',
    });
    const f = facts({ versionNum: 170002, sharedPreloadLibraries: ['pg_stat_statements'] });
    const { data, byKind, text } = await exported(instance, f, { namespace: 'shop', instances: 2, storage: '50Gi' });
    expect(text).toMatchSnapshot();
    const spec = byKind('Cluster')[0]!.spec;
    expect(spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:17');
    expect(spec.enableSuperuserAccess).toBe(false);
    expect(spec.postgresql.shared_preload_libraries).toEqual(['pg_stat_statements']);
    expect(spec.postgresql.parameters).toMatchObject({
      shared_buffers: '512MB',
      max_connections: '200',
      log_connections: 'on',
    });
    expect(spec.externalClusters[0].connectionParameters).toMatchObject({
      user: 'resource_admin',
      host: 'db-host.example',
      port: '5433',
    });
    expect(spec.instances).toBe(2);
    expect(spec.storage).toEqual({ size: '50Gi' });
    for (const doc of data.documents) {
      expect(doc.metadata).toMatchObject({ namespace: 'shop' });
      validateDocument(doc);
    }
  });

  it('several databases: a monolith import with the roles users made, and a Database resource for each other one', async () => {
    const f = facts({
      databases: [
        { name: 'analytics_2', owner: 'reporting' },
        { name: 'shop', owner: 'resource_admin' },
        { name: 'vrooli', owner: 'vrooli' },
      ],
      roles: ['reporting', 'vrooli'],
    });
    const { data, byKind, text } = await exported(exportInstance(ownerMode), f);
    expect(text).toMatchSnapshot();
    expect(byKind('Cluster')[0]!.spec.bootstrap.initdb.import).toEqual({
      type: 'monolith',
      databases: ['analytics_2', 'shop', 'vrooli'],
      roles: ['reporting'],
      source: { externalCluster: 'main-source' },
    });
    const dbs = byKind('Database');
    expect(dbs.map((d) => [d.metadata.name, d.spec.name, d.spec.owner])).toEqual([
      ['main-analytics-2', 'analytics_2', 'reporting'],
      // The program's own superuser does not move: its database goes to the app role.
      ['main-shop', 'shop', 'vrooli'],
    ]);
    for (const doc of data.documents) validateDocument(doc);
  });

  it('never prints a password without --show-secrets: text, json, files and warnings hold placeholders', async () => {
    const { res, text } = await exported(exportInstance(ownerMode), facts());
    const json = render(res, { format: 'json', color: false });
    for (const out of [text, json, world.talk.join('\n')]) {
      expect(out).not.toContain(APP_PASSWORD);
      expect(out).not.toContain(ADMIN_PASSWORD);
    }
    expect(text).toContain('<not exported: see the comment above>');
    expect(text).toContain('--from-file=password=/dev/stdin');
    const shown = await exported(exportInstance(ownerMode), facts(), { showSecrets: true });
    expect(shown.text).toContain(APP_PASSWORD);
    expect(shown.text).toContain(ADMIN_PASSWORD);
  });

  it('refuses a major the operator has no image for, naming the range and what to do', async () => {
    const instance = exportInstance({ engine: 'native', image: undefined, version: '12' });
    const err = await exported(instance, undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toBe(
      'instance main runs PostgreSQL 12: ghcr.io/cloudnative-pg/postgresql offers 13-18',
    );
    expect((err as CliError).hint).toMatch(/move the instance to a major in 13-18/);
  });

  it('a stopped instance: the major from its image, only its own database, and a warning saying why', async () => {
    const { data, byKind } = await exported(exportInstance({ image: 'postgres:15.8-bookworm' }), undefined);
    expect(byKind('Cluster')[0]!.spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:15');
    expect(byKind('Cluster')[0]!.spec.bootstrap.initdb.import.type).toBe('microservice');
    expect(data.warnings.join('\n')).toMatch(
      /instance main does not answer \(connect ECONNREFUSED 127\.0\.0\.1:5433\), so its databases and roles are unknown: the import covers only database vrooli/,
    );
    expect(world.talk.join('\n')).toMatch(/warning: instance main listens on 127\.0\.0\.1 only/);
  });

  it('an instance bound beyond loopback is reached at its own address, with no forwarding warning', async () => {
    const { byKind, data } = await exported(exportInstance({ host: '10.1.2.3' }), facts());
    expect(byKind('Cluster')[0]!.spec.externalClusters[0].connectionParameters.host).toBe('10.1.2.3');
    expect(data.warnings.join('\n')).not.toMatch(/127\.0\.0\.1 only/);
  });

  it('the backup stub, uncommented, and a Pooler (once instances record one) pass the models too', async () => {
    world = await fakeWorld();
    await world.ctx.registry.save(exportInstance());
    const src = await gatherSource(world.ctx, 'main', fakeDeps(facts()));
    const { manifests } = cnpgManifests({ ...src, pooler: { mode: 'transaction' } }, cnpg());
    const stub = manifests.find((m) => m.stub)!;
    expect(stub.file).toBe('scheduled-backup.yaml.example');
    const kinds = manifests.map((m) => m.body.kind);
    expect(kinds).toEqual(['Secret', 'Secret', 'Cluster', 'Pooler', 'ScheduledBackup']);
    for (const m of manifests) validateDocument(m.body);
  });

  describe('TLS and a pooler', () => {
    const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake+/=\n-----END CERTIFICATE-----';
    async function withTls(write: (caPath: string) => Promise<void>) {
      await world?.cleanup();
      world = await fakeWorld();
      const caPath = join(world.ctx.home.dir, '.tls', 'ca.crt');
      await mkdir(dirname(caPath), { recursive: true });
      await write(caPath);
      const instance = exportInstance({ tls: 'required', tlsCa: caPath, pooler: { port: 6440, mode: 'transaction' } });
      await world.ctx.registry.save(instance);
      return { caPath, run: () => runExport(world.ctx, cnpg(), undefined, fakeDeps(facts())) };
    }

    it('the import verifies the instance with its CA (a Secret of the certificate only) and a Pooler follows its mode', async () => {
      const { run } = await withTls((p) => writeFile(p, `junk before\n${PEM}\nsecret-looking tail\n`));
      const docs = (await run()).data.documents as Array<Record<string, any>>;
      const ca = docs.find((d) => d.metadata.name === 'main-source-ca')!;
      expect(ca.stringData).toEqual({ 'ca.crt': `${PEM}\n` });
      const cluster = docs.find((d) => d.kind === 'Cluster')!;
      expect(cluster.spec.externalClusters[0].connectionParameters.sslmode).toBe('verify-full');
      expect(cluster.spec.externalClusters[0].sslRootCert).toEqual({ name: 'main-source-ca', key: 'ca.crt' });
      expect(docs.find((d) => d.kind === 'Pooler')!.spec.pgbouncer.poolMode).toBe('transaction');
      for (const doc of docs) validateDocument(doc);
    });

    it('refuses a CA path that is a link, naming the file and the fix', async () => {
      const { run } = await withTls(async (p) => {
        await writeFile(`${p}.real`, PEM);
        await symlink(`${p}.real`, p);
      });
      await expect(run()).rejects.toThrow(/CA certificate of instance main .*manage tls rotate|ELOOP/s);
    });
  });
});
