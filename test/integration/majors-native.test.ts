import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, runCli, tempHome } from '../support/cli.js';

/**
 * PostgreSQL 15, 16 and 17 side by side on the native engine, through the real CLI: 15 and 17
 * come from runtimes installed on demand (a shared cache, so reruns are warm; cold works too),
 * 16 from the bundled package. Each instance must run, and report, its own major.
 */
const SHARED_RUNTIMES = '/var/cache/resource-postgres-test/runtimes';
const MAJORS = ['15', '16', '17'] as const;

describe('native majors side by side', () => {
  let home: string;
  const env = { RESOURCE_POSTGRES_RUNTIMES: SHARED_RUNTIMES };
  const cli = (...args: string[]) => runCli(args, { home, env, timeoutMs: 300_000 });

  beforeAll(async () => {
    await mkdir(SHARED_RUNTIMES, { recursive: true, mode: 0o755 });
    home = await tempHome('rp-majors-native-');
  });
  afterAll(async () => {
    await destroyHome(home);
  });

  it('creates 15, 16 (the default) and 17, each running its own major', async () => {
    for (const major of MAJORS) {
      const args = ['manage', 'start', '--instance', `pg${major}`, '--engine', 'native'];
      // 16 without the flag: the default major.
      const run = await cli(...args, ...(major === '16' ? [] : ['--pg-version', major]));
      expect(run.stderr + run.stdout).toMatch(new RegExp(`instance pg${major} created on native`));
      expect(run.code).toBe(0);
      const conf = await readFile(join(home, `pg${major}`, 'config', 'instance.conf'), 'utf8');
      expect(conf).toContain(`version="${major}"`);
    }

    const status = await cli('status', '--json');
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout) as { instances: Array<{ name: string; version: string; healthy: boolean }> };
    for (const major of MAJORS) {
      const inst = doc.instances.find((i) => i.name === `pg${major}`)!;
      expect(inst).toMatchObject({ healthy: true });
      expect(inst.version).toMatch(new RegExp(`^${major}\\.\\d+`));

      const q = await cli('content', 'execute', 'SELECT version() AS v', '--instance', `pg${major}`, '--json');
      expect(q.code).toBe(0);
      expect(q.stdout).toMatch(new RegExp(`PostgreSQL ${major}\\.\\d+`));

      const cred = await cli('credentials', '--instance', `pg${major}`, '--json');
      expect(JSON.parse(cred.stdout).connections[0].metadata.version).toBe(major);
      const text = await cli('credentials', '--instance', `pg${major}`);
      expect(text.stdout).toContain(`version:  PostgreSQL ${major}`);
    }
    const table = await cli('status');
    expect(table.stdout).toMatch(/pg15 .* 15\.\d+/);
  });

  it('refuses another major for an existing instance, pointing at manage upgrade', async () => {
    const run = await cli('manage', 'start', '--instance', 'pg15', '--pg-version', '17');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('instance pg15 already exists with PostgreSQL 15');
    expect(run.stderr).toContain('resource-postgres manage upgrade --instance pg15 --pg-version 17');
    const conf = await readFile(join(home, 'pg15', 'config', 'instance.conf'), 'utf8');
    expect(conf).toContain('version="15"');
  });

  it('versions list shows where each major comes from, its extensions and its instances', async () => {
    const run = await cli('versions', 'list', '--json');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      runtimes_dir: string;
      versions: Array<{ major: string; installed: boolean; source: string; instances: string[]; extensions: string[] }>;
    };
    expect(doc.runtimes_dir).toBe(SHARED_RUNTIMES);
    const of = (m: string) => doc.versions.find((v) => v.major === m)!;
    expect(of('15')).toMatchObject({ installed: true, source: 'runtime', instances: ['pg15'] });
    // 16 is the bundled package, unless an extension install made a runtime copy of it in the shared cache.
    expect(of('16')).toMatchObject({ installed: true, instances: ['pg16'] });
    expect(['bundled', 'runtime']).toContain(of('16').source);
    expect(of('17')).toMatchObject({ installed: true, source: 'runtime', instances: ['pg17'] });
    expect(of('18')).toMatchObject({ installable: true });
    for (const m of MAJORS)
      expect(of(m).extensions).toEqual(expect.arrayContaining(['pg_stat_statements', 'pgcrypto']));
    // Readable and runnable by the instances' own users; changeable by nobody else.
    for (const path of ['15', '15/bin', '15/bin/postgres', '15/lib', '15/share'].map((p) => join(SHARED_RUNTIMES, p)))
      expect((await stat(path)).mode & 0o022, path).toBe(0);
    expect((await stat(join(SHARED_RUNTIMES, '15', 'bin', 'postgres'))).mode & 0o005).toBe(0o005);
  });

  it("a backup restored into a new instance keeps the source's major", async () => {
    await cli('content', 'execute', 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (15)', '--instance', 'pg15');
    // Physical: a data directory only runs under its own major, so the clone must get 15.
    const made = await cli('backup', 'create', '--instance', 'pg15', '--method', 'physical', '--json');
    expect(made.code).toBe(0);
    const name = (JSON.parse(made.stdout) as { name: string }).name;
    const restored = await cli('backup', 'restore', name, '--instance', 'pg15', '--to-instance', 'copy15');
    expect(restored.stderr + restored.stdout).not.toMatch(/error/i);
    expect(restored.code).toBe(0);
    expect(await readFile(join(home, 'copy15', 'config', 'instance.conf'), 'utf8')).toContain('version="15"');
    const q = await cli(
      'content',
      'execute',
      'SELECT version() AS v, (SELECT v FROM kept) AS k',
      '--instance',
      'copy15',
      '--json',
    );
    expect(q.stdout).toMatch(/PostgreSQL 15\.\d+/);
    expect(q.stdout).toMatch(/"k": 15/);
  });

  it('versions remove refuses a runtime in use, naming the instance, and removes nothing', async () => {
    const run = await cli('versions', 'remove', '15');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('PostgreSQL 15 is in use by instances copy15, pg15; nothing was removed');
    await expect(stat(join(SHARED_RUNTIMES, '15', 'bin', 'postgres'))).resolves.toBeDefined();
    const still = await cli('content', 'execute', 'SELECT 1', '--instance', 'pg15');
    expect(still.code).toBe(0);
  });

  it('versions remove from another home (same runtimes) refuses too, naming the home', async () => {
    const other = await tempHome('rp-majors-other-');
    try {
      const run = await runCli(['versions', 'remove', '15'], { home: other, env, timeoutMs: 60_000 });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `PostgreSQL 15 is in use by instances copy15, pg15 of home ${home}; nothing was removed`,
      );
      await expect(stat(join(SHARED_RUNTIMES, '15', 'bin', 'postgres'))).resolves.toBeDefined();
    } finally {
      await destroyHome(other);
    }
  });
});

describe('versions install and remove', () => {
  let home: string;
  let runtimes: string;
  const cli = (...args: string[]) =>
    runCli(args, { home, env: { RESOURCE_POSTGRES_RUNTIMES: runtimes }, timeoutMs: 300_000 });

  beforeAll(async () => {
    home = await tempHome('rp-majors-versions-');
    // A cold cache of its own: the install really downloads.
    runtimes = await mkdtemp(join(tmpdir(), 'rp-runtimes-'));
  });
  afterAll(async () => {
    await destroyHome(home);
    await rm(runtimes, { recursive: true, force: true });
  });

  it('installs once, reports the time, is idempotent, and removes only what it installed', async () => {
    const first = await cli('versions', 'install', '18');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^installed PostgreSQL 18 \(18\.\d+\.\d+-beta\.\d+\) into .* in \d+\.\d s$/m);
    const again = await cli('versions', 'install', '18', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ major: '18', already: true, source: 'runtime' });

    const list = JSON.parse((await cli('versions', 'list', '--json')).stdout) as {
      versions: Array<{ major: string; installed: boolean; source: string; extensions: string[] }>;
    };
    expect(list.versions.find((v) => v.major === '18')).toMatchObject({ installed: true, source: 'runtime' });

    const bundled = await cli('versions', 'remove', '16');
    expect(bundled.code).toBe(1);
    expect(bundled.stderr).toContain('PostgreSQL 16 is the bundled package; it is never removed');

    const removed = await cli('versions', 'remove', '18');
    expect(removed.code).toBe(0);
    await expect(stat(join(runtimes, '18'))).rejects.toThrow();
    const gone = await cli('versions', 'remove', '18');
    expect(gone.code).toBe(2);
  });
});
