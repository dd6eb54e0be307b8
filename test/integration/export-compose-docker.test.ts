import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { BIN, destroyHome, dockerAvailability, runCli, tempHome, TEST_IMAGE } from '../support/cli.js';
import { composeCommand, runCompose } from '../support/compose-cli.js';

/**
 * `export compose` end to end: the file runs under docker compose with the password file its
 * comment tells how to make, turns healthy, and takes the instance's data by the README's
 * recipe (a logical backup, globals then pg_restore), after which the application role logs in
 * with its old password and finds its rows.
 */
const docker = await dockerAvailability();
if (!docker.ok && process.env.CI) throw new Error(`CI requires the Docker suites to run, but ${docker.reason}`);
const compose = composeCommand();
if (!compose && process.env.CI) throw new Error('CI requires docker compose or docker-compose (see .ci/run)');

describe.skipIf(!docker.ok || !compose)('export compose on a docker instance', () => {
  let home: string;
  const project = `rpexport${process.pid}`;
  const cli = (args: string[]) => runCli(args, { home });
  const inDeploy = (args: string[], input?: Buffer) =>
    runCompose(compose!, ['-p', project, ...args], { cwd: join(home, 'deploy'), input });

  beforeAll(async () => {
    home = await tempHome('rp-export-compose-');
    const start = ['manage', 'start', '--instance', 'cx', '--engine', 'docker', '--image', TEST_IMAGE];
    expect((await cli([...start, '--app-role', 'owner'])).code).toBe(0);
    expect((await cli(['content', 'create-database', 'shop', '--instance', 'cx'])).code).toBe(0);
    const fill = 'CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 3)';
    expect((await cli(['content', 'execute', '--instance', 'cx', '--database', 'shop', fill])).code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    if (home) inDeploy(['down', '-v']);
    await destroyHome(home);
  }, 120_000);

  it('runs healthy from the exported file and takes the data by the README recipe', async () => {
    const exported = await cli(['export', 'compose', '--instance', 'cx', '--out', join(home, 'deploy')]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((await cli(['backup', 'create', '--instance', 'cx', '--method', 'logical', '--name', 'move'])).code).toBe(0);
    const creds = JSON.parse((await cli(['credentials', '--instance', 'cx', '--json', '--show-secrets'])).stdout);
    const { port } = creds.connections[0].connection;
    expect((await cli(['manage', 'stop', '--instance', 'cx'])).code).toBe(0);

    // The password file, made by the command in the file's own comment.
    const file = await readFile(join(home, 'deploy', 'compose.yaml'), 'utf8');
    const makePassword = /^# {3}(\( umask 077; .*\))$/m.exec(file)![1]!;
    execFileSync('sh', ['-c', makePassword], {
      cwd: join(home, 'deploy'),
      env: { ...process.env, RESOURCE_POSTGRES_HOME: home, PATH: `${dirname(BIN)}:${process.env.PATH}` },
    });
    expect(inDeploy(['up', '-d']).status).toBe(0);
    let health = '';
    for (let i = 0; i < 60 && health !== 'healthy'; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const id = inDeploy(['ps', '-q', 'postgres']).stdout.trim();
      health = execFileSync('docker', ['inspect', '-f', '{{.State.Health.Status}}', id], { encoding: 'utf8' }).trim();
    }
    expect(health).toBe('healthy');

    const backup = join(home, 'cx', 'backups', 'move');
    const manifest = JSON.parse(await readFile(join(backup, 'manifest.json'), 'utf8'));
    const dump = (db: string) => readFile(join(backup, manifest.databases.find((d: any) => d.name === db).file));
    inDeploy(
      ['exec', '-T', 'postgres', 'psql', '-q', '-U', 'resource_admin', '-d', 'postgres'],
      await readFile(join(backup, 'globals.sql')),
    );
    const restore = inDeploy(
      ['exec', '-T', 'postgres', 'pg_restore', '-U', 'resource_admin', '--create', '-d', 'postgres'],
      await dump('shop'),
    );
    expect(restore.status, restore.stderr).toBe(0);

    // The application role came with globals.sql: its old password still works, on the old port.
    const { auth } = creds.connections[0];
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: auth.username,
      password: auth.password,
      database: 'shop',
    });
    await client.connect();
    const rows = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM t').finally(() => client.end());
    expect(rows.rows[0]!.n).toBe(3);
  });
});
