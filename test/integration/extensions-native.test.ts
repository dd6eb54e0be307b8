import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, ROOT, runCli, tempHome } from '../support/cli.js';
import { instanceSql } from '../support/instance-sql.js';
import { checkNearest } from '../support/vector-check.js';

/**
 * --extensions on the native engine, through the real CLI and real servers: contrib modules
 * and pg_stat_statements (preloaded) on the default 16; pgvector on 17, built from Debian's
 * source (test/extensions/build-pgvector.sh) and added with `versions install-extension` to
 * the shared, warm runtime cache; an unavailable name changes nothing; the application role
 * of an owner instance creates trusted extensions itself and is pointed at --extensions for the rest.
 */
const RUNTIMES = process.env.RESOURCE_POSTGRES_RUNTIMES ?? '/var/cache/resource-postgres-test/runtimes';
const PGVECTOR = process.env.RESOURCE_POSTGRES_TEST_PGVECTOR ?? '/var/cache/resource-postgres-test/pgvector-17';
const CONTRIB = ['pgcrypto', 'uuid-ossp', 'hstore', 'citext', 'pg_trgm'];

let home: string;
const id = randomBytes(3).toString('hex');
const cli = (args: string[], timeoutMs = 240_000) =>
  runCli(args, { home, timeoutMs, env: { RESOURCE_POSTGRES_RUNTIMES: RUNTIMES } });
const conf = (name: string) => readFile(join(home, name, 'config', 'instance.conf'), 'utf8');

beforeAll(async () => {
  home = await tempHome('rp-ext-native-');
});
afterAll(async () => {
  await runCli(['manage', 'uninstall', '--force'], { home, env: { RESOURCE_POSTGRES_RUNTIMES: RUNTIMES } });
  await destroyHome(home);
});

describe('extensions on native PostgreSQL 16', () => {
  const name = `x16${id}`;

  it('creates contrib modules and a preloaded pg_stat_statements that survives a restart', async () => {
    const r = await cli([
      'manage',
      'start',
      '--instance',
      name,
      '--engine',
      'native',
      '--extensions',
      ['pg_stat_statements', ...CONTRIB].join(','),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await conf(name)).toMatch(/^extensions="pg_stat_statements,pgcrypto,uuid-ossp,hstore,citext,pg_trgm"$/m);
    const made = (await instanceSql(home, name, 'SELECT extname FROM pg_extension')).map((row) => row.extname);
    expect(made).toEqual(expect.arrayContaining(['pg_stat_statements', ...CONTRIB]));
    const [use] = await instanceSql(
      home,
      name,
      `SELECT length(digest('a', 'sha256')) AS d, uuid_generate_v4() IS NOT NULL AS u,
              ('a=>1'::hstore)->'a' AS h, 'ABC'::citext = 'abc' AS c, similarity('word', 'wort') > 0 AS t`,
    );
    expect(use).toEqual({ d: 32, u: true, h: '1', c: true, t: true });

    expect((await cli(['manage', 'restart', '--instance', name])).code).toBe(0);
    await instanceSql(home, name, 'SELECT 42 AS marker_after_restart');
    const [stats] = await instanceSql(
      home,
      name,
      "SELECT current_setting('shared_preload_libraries') AS preload, count(*)::int AS n FROM pg_stat_statements",
    );
    expect(stats!.preload).toBe('pg_stat_statements');
    expect(stats!.n).toBeGreaterThan(0);
  });

  it('refuses an unavailable extension, listing what 16 offers, and changes nothing', async () => {
    const before = await conf(name);
    const r = await cli(['manage', 'start', '--instance', name, '--extensions', 'hstore,vector,no_such_ext']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/extensions vector, no_such_ext not available for PostgreSQL 16.*nothing was changed/);
    expect(r.stderr).toMatch(/available for PostgreSQL 16: .*pg_stat_statements.*uuid-ossp/);
    expect(r.stderr).toMatch(/versions install-extension 16 DIR/);
    expect(await conf(name)).toBe(before);
    const fresh = await cli(['manage', 'start', '--instance', `n${id}`, '--engine', 'native', '--extensions', 'nope']);
    expect(fresh.code).toBe(1);
    expect((await cli(['status', '--instance', `n${id}`])).code).toBe(2);
  });

  it('adds auto_explain to an existing instance, restarting it once to load it', async () => {
    const r = await cli(['manage', 'start', '--instance', name, '--extensions', 'auto_explain']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/restarting instance .* to load auto_explain/);
    const [row] = await instanceSql(home, name, "SELECT current_setting('shared_preload_libraries') AS p");
    expect(row!.p).toBe('pg_stat_statements,auto_explain');
    expect(await conf(name)).toMatch(/^extensions="pg_stat_statements,.*,pg_trgm,auto_explain"$/m);
  });
});

describe('a clone of an instance with preloaded extensions', () => {
  it('preloads them too, so its copy of the data works', async () => {
    const source = `x16${id}`;
    const clone = `xc${id}`;
    const b = await cli(['backup', 'create', '--instance', source, '--name', `b${id}`]);
    expect(b.code, b.stderr).toBe(0);
    const r = await cli(['backup', 'restore', `b${id}`, '--instance', source, '--to-instance', clone]);
    expect(r.code, r.stderr).toBe(0);
    expect(await conf(clone)).toMatch(/^extensions="pg_stat_statements,/m);
    const [row] = await instanceSql(home, clone, 'SELECT count(*)::int >= 0 AS ok FROM pg_stat_statements');
    expect(row!.ok).toBe(true);
  });
});

describe('content execute "create extension" as an owner role', () => {
  const name = `xo${id}`;

  it('creates trusted extensions, and points at --extensions for the others', async () => {
    expect((await cli(['manage', 'start', '--instance', name, '--engine', 'native', '--app-role', 'owner'])).code).toBe(
      0,
    );
    const trusted = await cli(['content', 'execute', '--instance', name, 'CREATE EXTENSION citext']);
    expect(trusted.code, trusted.stderr).toBe(0);
    const refused = await cli(['content', 'execute', '--instance', name, 'CREATE EXTENSION pg_stat_statements']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/permission denied to create extension "pg_stat_statements"/);
    expect(refused.stderr).toMatch(new RegExp(`manage start --instance ${name} --extensions pg_stat_statements`));
    const r = await cli(['manage', 'start', '--instance', name, '--extensions', 'pg_stat_statements']);
    expect(r.code, r.stderr).toBe(0);
    // The application's role reads the view the superuser created.
    const [row] = await instanceSql(home, name, 'SELECT count(*)::int AS n FROM pg_stat_statements');
    expect(row!.n).toBeGreaterThan(0);
  });
});

describe('pgvector on native PostgreSQL 17', () => {
  const name = `xv${id}`;

  beforeAll(async () => {
    // Idempotent: a no-op when CI (or an earlier run) built it.
    await promisify(execFile)('bash', [join(ROOT, 'test/extensions/build-pgvector.sh'), PGVECTOR], {
      timeout: 300_000,
    });
  }, 320_000);

  it('installs into the 17 runtime and answers nearest-neighbour queries through an HNSW index', async () => {
    const inst = await cli(['versions', 'install-extension', '17', PGVECTOR]);
    expect(inst.code, inst.stderr).toBe(0);
    expect(inst.stdout).toMatch(/installed vector into PostgreSQL 17/);
    const info = JSON.parse(await readFile(join(RUNTIMES, '17', 'runtime.json'), 'utf8'));
    expect(info.extensions).toContain('vector');
    const r = await cli([
      'manage',
      'start',
      '--instance',
      name,
      '--engine',
      'native',
      '--pg-version',
      '17',
      '--extensions',
      'vector,pg_stat_statements',
    ]);
    expect(r.code, r.stderr).toBe(0);
    await checkNearest(home, name);
  });
});
