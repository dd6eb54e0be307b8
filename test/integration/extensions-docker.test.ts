import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, dockerAvailability, runCli, TEST_IMAGE, tempHome } from '../support/cli.js';
import { instanceSql } from '../support/instance-sql.js';
import { checkNearest } from '../support/vector-check.js';

/**
 * --extensions on the docker engine with the offline PostgreSQL 17 test image (which carries
 * Debian's postgresql-17-pgvector): pg_stat_statements preloaded through the container's
 * server arguments (kept when the container restarts), pgvector with an HNSW index, and an
 * unavailable name refused with what the image offers, changing nothing. In CI a missing
 * daemon or image fails this suite.
 */
const docker = await dockerAvailability();
if (!docker.ok && process.env.CI) throw new Error(`CI requires the Docker suites to run, but ${docker.reason}`);

describe.skipIf(!docker.ok)('extensions on docker PostgreSQL 17', () => {
  let home: string;
  const name = `xd${randomBytes(3).toString('hex')}`;
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 240_000 });
  const conf = () => readFile(join(home, name, 'config', 'instance.conf'), 'utf8');

  beforeAll(async () => {
    home = await tempHome('rp-ext-docker-');
  });
  afterAll(async () => {
    await destroyHome(home);
  });

  it('creates pg_stat_statements (preloaded) and vector at create time', async () => {
    const r = await cli([
      'manage',
      'start',
      '--instance',
      name,
      '--engine',
      'docker',
      '--image',
      TEST_IMAGE,
      '--pg-version',
      '17',
      '--extensions',
      'pg_stat_statements,vector',
    ]);
    expect(r.code, r.stderr).toBe(0);
    // Checked against the image's files first, so the container preloads from its first start.
    expect(r.stderr).not.toMatch(/restarting/);
    expect(await conf()).toMatch(/^extensions="pg_stat_statements,vector"$/m);
    const made = (await instanceSql(home, name, 'SELECT extname FROM pg_extension')).map((row) => row.extname);
    expect(made).toEqual(expect.arrayContaining(['pg_stat_statements', 'vector']));
    await checkNearest(home, name);
  });

  it('keeps pg_stat_statements loaded across a restart', async () => {
    expect((await cli(['manage', 'restart', '--instance', name])).code).toBe(0);
    await instanceSql(home, name, 'SELECT 1 AS after_restart');
    const [row] = await instanceSql(
      home,
      name,
      "SELECT current_setting('shared_preload_libraries') AS p, count(*)::int AS n FROM pg_stat_statements",
    );
    expect(row!.p).toBe('pg_stat_statements');
    expect(row!.n).toBeGreaterThan(0);
  });

  it('refuses an unavailable extension with what the image offers, changing nothing', async () => {
    const before = await conf();
    const r = await cli(['manage', 'start', '--instance', name, '--extensions', 'hstore,postgis']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/extension postgis not available for PostgreSQL 17.*nothing was changed/);
    expect(r.stderr).toMatch(/available for PostgreSQL 17: .*pg_stat_statements.*vector/);
    expect(await conf()).toBe(before);
    const [row] = await instanceSql(home, name, "SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'hstore'");
    expect(row!.n).toBe(0);
    const other = `${name}n`;
    const fresh = await cli([
      'manage',
      'start',
      '--instance',
      other,
      '--engine',
      'docker',
      '--image',
      TEST_IMAGE,
      '--extensions',
      'nope',
    ]);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toMatch(/extension nope not available .*nothing was changed/);
    expect((await cli(['status', '--instance', other])).code).toBe(2);
  });
});
