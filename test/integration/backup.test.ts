import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, destroyHome, enginesUnderTest, runCli, TEST_IMAGE, tempHome } from '../support/cli.js';

/**
 * Backups end to end through the real CLI, on both engines. Docker backs up logically with
 * the image's own pg_dump (and physically on request); native is asked for the physical
 * (low-level base backup) path here, whatever client programs the machine has, and its
 * logical path (the default when suitable client programs are found) is covered in
 * backup-native-logical.test.ts. When none are found, the error and the fallback to physical
 * are unit-tested (native-client-discovery, backup-clients).
 */
const engines = await enginesUnderTest();

interface Creds {
  port: number;
  user: string;
  password: string;
  database: string;
}

describe.each(engines)('backups on the %s engine', (engine) => {
  let home: string;
  const src = `bk${randomBytes(3).toString('hex')}`;
  const clone = `${src}c`;
  const cli = (args: string[], timeoutMs = 180_000) => runCli(args, { home, timeoutMs });
  const creds = async (name: string): Promise<Creds> => {
    const r = await cli(['credentials', '--instance', name, '--json', '--show-secrets']);
    const c = JSON.parse(r.stdout).connections[0];
    return {
      port: c.connection.port,
      user: c.auth.username,
      password: c.auth.password,
      database: c.connection.database,
    };
  };
  async function sql<T = Record<string, unknown>>(name: string, text: string, database?: string): Promise<T[]> {
    const c = await creds(name);
    const client = new pg.Client({
      host: '127.0.0.1',
      port: c.port,
      user: c.user,
      password: c.password,
      database: database ?? c.database,
    });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const count = async (name: string, table: string, database?: string) =>
    Number((await sql<{ n: string }>(name, `SELECT count(*) AS n FROM ${table}`, database))[0]!.n);
  const hasRole = async (name: string, role: string) =>
    (await sql(name, `SELECT 1 FROM pg_roles WHERE rolname = '${role}'`)).length === 1;

  beforeAll(async () => {
    home = await tempHome('rp-backup-');
    const start = await cli([
      'manage',
      'start',
      '--instance',
      src,
      '--engine',
      engine,
      ...(engine === 'docker' ? ['--image', TEST_IMAGE] : []),
    ]);
    expect(start.code, start.stderr).toBe(0);
    await sql(
      src,
      "CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 1000) g; CREATE ROLE reporter LOGIN PASSWORD 'r1'",
    );
    await sql(src, 'CREATE DATABASE shop');
    await sql(src, 'CREATE TABLE orders (id int); INSERT INTO orders SELECT generate_series(1, 42)', 'shop');
  }, 240_000);
  afterAll(async () => destroyHome(home), 240_000);

  it("the program's own `test all` passes against a fresh instance", async () => {
    const r = await cli(['test', 'all', '--instance', src]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    const json = JSON.parse((await cli(['test', 'smoke', '--instance', src, '--json'])).stdout);
    expect(json).toMatchObject({ failed: 0, available: true });
  }, 180_000);

  it('backup -> more writes -> restore brings back tables, rows, roles and every database', async () => {
    const physical = engine === 'native' ? ['--method', 'physical'] : [];
    const made = await cli(['backup', 'create', '--instance', src, '--name', 'full', ...physical]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(engine === 'docker' ? 'logical' : 'physical');
    await sql(src, "INSERT INTO items VALUES (5000, 'later'); CREATE TABLE newer (x int); DROP ROLE reporter");
    await sql(src, 'DROP TABLE orders', 'shop');
    const refused = await cli(['backup', 'restore', 'full', '--instance', src]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not done without confirmation[\s\S]*--force/);
    const r = await cli(['backup', 'restore', 'full', '--instance', src, '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(await count(src, 'items')).toBe(1000);
    expect(await count(src, 'orders', 'shop')).toBe(42);
    expect(await hasRole(src, 'reporter')).toBe(true);
    expect(await sql(src, "SELECT 1 FROM pg_class WHERE relname = 'newer'")).toHaveLength(0);
  }, 240_000);

  it('restores into a running instance with open connections, ending them with a message', async () => {
    const c = await creds(src);
    const held = new pg.Client({
      host: '127.0.0.1',
      port: c.port,
      user: c.user,
      password: c.password,
      database: c.database,
    });
    held.on('error', () => {});
    await held.connect();
    const sleeping = held.query('SELECT pg_sleep(60)').then(
      () => 'finished',
      (e: Error) => e.message,
    );
    const r = await cli(['backup', 'restore', 'full', '--instance', src, '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/open session\(s\)/);
    expect(await sleeping).toMatch(/terminat|closed|ended|Connection/i);
    await held.end().catch(() => {});
    expect(await count(src, 'items')).toBe(1000);
  }, 240_000);

  it('clones into a new instance and leaves the source untouched', async () => {
    await sql(src, "INSERT INTO items VALUES (7000, 'only in the source')");
    const r = await cli(['backup', 'restore', 'full', '--to-instance', clone]);
    expect(r.code, r.stderr).toBe(0);
    expect(await count(clone, 'items')).toBe(1000);
    expect(await count(clone, 'orders', 'shop')).toBe(42);
    expect(await hasRole(clone, 'reporter')).toBe(true);
    expect(await count(src, 'items')).toBe(1001);
    const again = await cli(['backup', 'restore', 'full', '--to-instance', clone]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  }, 240_000);

  it('verify passes, a restore test compares row counts, and a corrupted file is detected', async () => {
    const ok = await cli(['backup', 'verify', 'full', '--restore-test', '--json']);
    expect(ok.code, ok.stdout).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.restore_test.tables.length).toBeGreaterThanOrEqual(2);
    expect((await cli(['status', '--json'])).stdout).not.toMatch(/verify-/); // the throwaway instance is gone
    const list = JSON.parse((await cli(['backup', 'list', '--json'])).stdout);
    const dir = list.backups.find((b: { name: string }) => b.name === 'full').path as string;
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    const biggest = [...manifest.files].sort((a, b) => b.bytes - a.bytes)[0].path as string;
    const original = await readFile(join(dir, biggest));
    const damaged = Buffer.from(original);
    const at = Math.floor(damaged.length / 2);
    damaged.writeUInt8(damaged.readUInt8(at) ^ 0xff, at);
    await writeFile(join(dir, biggest), damaged);
    try {
      const bad = await cli(['backup', 'verify', 'full']);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain(`BAD  ${biggest}: sha256 differs`);
      const restore = await cli(['backup', 'restore', 'full', '--instance', src, '--force']);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(/is damaged/);
      expect(await count(src, 'items')).toBe(1001); // nothing was replaced
    } finally {
      await writeFile(join(dir, biggest), original);
    }
  }, 300_000);

  if (engine === 'docker')
    it("docker also takes and restores physical backups (the container's find and tar, helper containers to restore)", async () => {
      const made = await cli(['backup', 'create', '--instance', src, '--name', 'phys', '--method', 'physical']);
      expect(made.code, made.stderr).toBe(0);
      const before = await count(src, 'items');
      await sql(src, 'DELETE FROM items WHERE id <= 10; DROP ROLE reporter');
      const r = await cli(['backup', 'restore', 'phys', '--instance', src, '--force']);
      expect(r.code, r.stderr).toBe(0);
      expect(await count(src, 'items')).toBe(before);
      expect(await hasRole(src, 'reporter')).toBe(true);
    }, 240_000);

  it('a backup killed midway never lists as complete; prune clears it', async () => {
    await sql(src, "CREATE TABLE bulk AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 300000) g");
    const backups = join(home, src, 'backups');
    const child = spawn(process.execPath, [BIN, 'backup', 'create', '--instance', src, '--name', 'killed'], {
      env: { ...process.env, RESOURCE_POSTGRES_HOME: home },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 60_000;
    while (!(await readdir(backups).catch(() => [] as string[])).some((n) => n.startsWith('.partial-killed'))) {
      if (Date.now() > deadline) throw new Error('the backup never started');
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const listed = await cli(['backup', 'list', '--instance', src, '--json']);
    const list = JSON.parse(listed.stdout);
    expect(list.backups, listed.stdout + listed.stderr).toBeDefined();
    const killed = list.backups.filter((b: { name: string }) => b.name === 'killed');
    expect(killed.map((b: { status: string }) => b.status)).toEqual(['incomplete']);
    await expect(cli(['backup', 'verify', 'killed'])).resolves.toMatchObject({ code: 2 });
    const pruned = await cli(['backup', 'prune', '--keep', '10', '--instance', src]);
    expect(pruned.stdout).toMatch(/removed killed \(.*incomplete\)/);
    const after = await cli(['backup', 'create', '--instance', src, '--name', 'killed']);
    expect(after.code, after.stderr).toBe(0);
    await sql(src, 'DROP TABLE bulk');
  }, 300_000);
});
