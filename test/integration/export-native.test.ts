import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateDocument } from '../support/cnpg-models.js';
import { destroyHome, runCli, tempHome } from '../support/cli.js';

/**
 * `export cnpg` against a real native server: the databases come from the server itself, so a
 * second database turns the import into a monolith with a Database resource for it.
 */
describe('export cnpg from a running native instance', () => {
  let home: string;
  const cli = (args: string[]) => runCli(args, { home });
  beforeAll(async () => {
    home = await tempHome('rp-export-');
    const start = await cli(['manage', 'start', '--instance', 'exp', '--engine', 'native', '--app-role', 'owner']);
    expect(start.code, start.stderr).toBe(0);
    const created = await cli(['content', 'create-database', 'shop', '--instance', 'exp']);
    expect(created.code, created.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => destroyHome(home), 120_000);

  it('writes a monolith import of both databases, a Database for the second, and no password', async () => {
    const out = join(home, 'k8s');
    const run = await cli(['export', 'cnpg', '--instance', 'exp', '--out', out, '--namespace', 'apps']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^wrote 5 files for instance exp:/);
    expect(run.stderr).toMatch(/warning: instance exp listens on 127\.0\.0\.1 only/);
    expect((await readdir(out)).sort()).toEqual([
      'cluster.yaml',
      'database-shop.yaml',
      'scheduled-backup.yaml.example',
      'secret-app-user.yaml',
      'secret-source-superuser.yaml',
    ]);
    const docs = await Promise.all(
      ['cluster.yaml', 'database-shop.yaml'].map(async (f) =>
        parseAllDocuments(await readFile(join(out, f), 'utf8'))[0]!.toJS(),
      ),
    );
    const [cluster, database] = docs as Array<Record<string, any>>;
    expect(cluster!.spec.bootstrap.initdb.import).toMatchObject({ type: 'monolith', databases: ['shop', 'vrooli'] });
    expect(cluster!.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:1[3-8]$/);
    expect(cluster!.spec.externalClusters[0].connectionParameters.user).toBe('resource_admin');
    expect(database!.spec).toMatchObject({ name: 'shop', owner: 'vrooli', cluster: { name: 'exp' } });
    for (const doc of docs) validateDocument(doc);

    const secrets = JSON.parse((await cli(['credentials', '--instance', 'exp', '--json', '--show-secrets'])).stdout);
    const password = secrets.connections[0].auth.password as string;
    expect(password.length).toBeGreaterThan(10);
    for (const f of await readdir(out)) expect(await readFile(join(out, f), 'utf8')).not.toContain(password);
    const json = await cli(['export', 'cnpg', '--instance', 'exp', '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain(password);
    expect(JSON.parse(json.stdout).documents.map((d: { kind: string }) => d.kind)).toEqual([
      'Secret',
      'Secret',
      'Cluster',
      'Database',
    ]);
  });
});
