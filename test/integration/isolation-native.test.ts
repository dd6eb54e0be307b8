import { lstat, mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import {
  asTenant,
  cleanupWithUsers,
  expectUntouched,
  type HostFile,
  hostFile,
  rootOnly,
  type Tenant,
  tenant,
  userExists,
} from '../support/isolation.js';
import { psql } from '../support/reliability.js';

/**
 * The native engine under attack by its own tenants (issue 12, items 1 and 2), as root: a
 * database superuser runs programs as its server's OS user (COPY ... TO PROGRAM) and plants
 * links where root used to write; one tenant tries to reach another's files and the program's.
 */
const root = rootOnly('native isolation');

describe.runIf(root)('native isolation as root', () => {
  let home: string;
  let hostDir: string;
  let a: Tenant;
  let b: Tenant;
  const cli = (...args: string[]) => runCli(args, { home });
  const start = async (name: string) => {
    const r = await cli('manage', 'start', '--instance', name, '--engine', 'native', '--template', 'minimal');
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    home = await tempHome('rp-iso-');
    hostDir = await mkdtemp('/tmp/rp-iso-host-');
    await start('ta');
    await start('tb');
    [a, b] = [await tenant(home, 'ta'), await tenant(home, 'tb')];
  }, 180_000);
  afterAll(async () => {
    await cleanupWithUsers(home, ['ta', 'tb']);
    await cleanupWithUsers(hostDir, []);
  }, 180_000);

  it('each instance runs as its own system user, recorded in instance.conf', async () => {
    const conf = (n: string) => readFile(join(home, n, 'config', 'instance.conf'), 'utf8');
    const userA = /^server_user="(.*)"$/m.exec(await conf('ta'))?.[1];
    const userB = /^server_user="(.*)"$/m.exec(await conf('tb'))?.[1];
    expect(userA).toMatch(/^rp-ta(-[0-9a-f]{8})?$/);
    expect(userB).toMatch(/^rp-tb(-[0-9a-f]{8})?$/);
    expect((await asTenant(a, 'id -un')).trim()).toBe(userA);
    expect((await asTenant(b, 'id -un')).trim()).toBe(userB);
    for (const t of [a, b]) {
      const data = await lstat(t.dataDir);
      expect(data.mode & 0o777).toBe(0o700);
      expect(data.uid).not.toBe(0);
      // The directory holding data, logs, run and server-conf is root's: the server cannot swap them.
      const parent = await lstat(t.root);
      expect([parent.uid, parent.mode & 0o022]).toEqual([0, 0]);
      const conf = await lstat(join(t.root, 'server-conf'));
      expect([conf.uid, conf.mode & 0o777]).toEqual([0, 0o750]);
    }
    expect((await lstat(a.dataDir)).uid).not.toBe((await lstat(b.dataDir)).uid);
    const status = await cli('status', '--verbose');
    expect(status.stdout).toMatch(/OS USER/);
    expect(status.stdout).toContain(userA);
    expect(status.stdout).toMatch(/note: each native instance runs as its own system user/);
    const json = JSON.parse((await cli('status', '--json')).stdout);
    expect(json.instances.map((i: { server_user: string }) => i.server_user).sort()).toEqual([userA, userB]);
  });

  it("tenant A can neither read nor list B's data, B's config, nor the program's home and instance.conf", async () => {
    // Control: the same commands work on A's own data, so a failure below is the permission.
    expect((await asTenant(a, `cat ${a.dataDir}/PG_VERSION`)).trim()).toBe('16');
    expect(await asTenant(a, `ls ${a.dataDir}`)).toMatch(/pg_wal/);
    const denied = [
      `cat ${b.dataDir}/PG_VERSION`,
      `ls ${b.dataDir}`,
      `ls ${b.dataDir}/pg_wal`,
      `cat ${b.root}/logs/postgresql.log`,
      `ls ${b.root}/run`,
      `ls ${b.root}/server-conf`,
      `ls ${b.root}`,
      `ls ${home}`,
      `cat ${home}/tb/config/instance.conf`,
      `cat ${home}/ta/config/instance.conf`,
      `ls ${home}/ta/config`,
    ];
    for (const command of denied) expect(await asTenant(a, command), command).toMatch(/Permission denied/);
    // Nor can A change its own server's configuration: server-conf/ is root's.
    expect(await asTenant(a, `echo 'local all all trust' >> ${a.root}/server-conf/pg_hba.conf`)).toMatch(
      /Permission denied/,
    );
    // Nor connect to B's socket (peer authentication would map B's OS user to B's superuser).
    const viaSocket = await asTenant(a, `/usr/bin/psql -X -h ${b.root}/run -p 1 -U x -c 'select 1' postgres`);
    expect(viaSocket).toMatch(/Permission denied|No such file/);
  });

  it('links planted where root used to write leave the host untouched through restart, stop, start, backup and restore', async () => {
    const targets: HostFile[] = [];
    const plant = async (t: Tenant, rel: string) => {
      const target = await hostFile(hostDir, rel.replace(/\W/g, '_'));
      targets.push(target);
      await asTenant(t, `ln -sfn ${target.path} ${t.root}/${rel}`);
      expect((await lstat(join(t.root, rel))).isSymbolicLink(), rel).toBe(true);
    };
    for (const rel of [
      'data/postgresql.conf',
      'data/resource-postgres.conf',
      'data/pg_hba.conf',
      'data/pg_ident.conf',
      // Not root's to write, but copied by backups: the archive must hold the link, not the file.
      'data/leak',
      'run/.s.PGSQL.1.lock',
    ])
      await plant(a, rel);
    const step = async (what: string, ...args: string[]) => {
      const r = await cli(...args);
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      await expectUntouched(targets, `after ${what}`);
    };
    await step('restart', 'manage', 'restart', '--instance', 'ta');
    await step('stop', 'manage', 'stop', '--instance', 'ta');
    await step('start', 'manage', 'start', '--instance', 'ta');
    await step('backup create', 'backup', 'create', '--instance', 'ta', '--name', 'linked', '--method', 'physical');
    const list = JSON.parse((await cli('backup', 'list', '--json')).stdout);
    const dir = list.backups.find((x: { name: string }) => x.name === 'linked').path as string;
    const base = await readFile(join(dir, 'base.tar'));
    expect(base.includes('leak')).toBe(true);
    for (const t of targets) expect(base.includes(t.content), t.path).toBe(false);
    // The restore brings back the links the backup copied (as links), then writes backup_label.
    await step('backup restore', 'backup', 'restore', 'linked', '--instance', 'ta', '--force');
    expect((await psql(a.url, 'SELECT 1')).out).toBe('1');

    // Links on the log and the socket lock break the tenant's own server, and nothing else.
    await plant(a, 'logs/postgresql.log');
    await plant(a, 'run/.s.PGSQL.0.lock');
    await cli('manage', 'restart', '--instance', 'ta');
    await cli('logs', '--instance', 'ta');
    await expectUntouched(targets, 'after restart with a linked log');
    await step('uninstall', 'manage', 'uninstall', '--instance', 'ta', '--force');
  }, 240_000);

  it("uninstall removes the instance's OS user; a reinstall of the same name works", async () => {
    const user = /^server_user="(.*)"$/m.exec(await readFile(join(home, 'tb', 'config', 'instance.conf'), 'utf8'))?.[1];
    expect(user && userExists(user)).toBe(true);
    expect((await cli('manage', 'uninstall', '--instance', 'tb', '--force')).code).toBe(0);
    expect(userExists(user!)).toBe(false);
    await start('tb');
    const again = await tenant(home, 'tb');
    expect((await asTenant(again, 'id -un')).trim()).toBe(user);
    expect((await psql(again.url, 'SELECT 1')).out).toBe('1');
  }, 120_000);
});
