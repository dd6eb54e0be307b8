import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceSql } from '../support/instance-sql.js';
import { destroyHome, enginesUnderTest, runCli, TEST_IMAGE, tempHome } from '../support/cli.js';

/**
 * A physical restore killed (SIGKILL, through the test-only fault hook) before and after its
 * commit point: the next `manage start` undoes it (previous data) or completes it (restored
 * data), never a mix; the journal and the set-aside data are gone afterwards.
 */
const engines = await enginesUnderTest();

describe.each(engines)('a physical restore killed half-way (%s)', (engine) => {
  let home: string;
  const name = `pk${randomBytes(3).toString('hex')}`;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home, env, timeoutMs: 180_000 });
  const sql = (text: string) => instanceSql(home, name, text);

  const rows = async () => (await sql('SELECT v FROM t ORDER BY v')).map((r) => r.v);
  const journal = () => readdir(`${home}/${name}/config`).then((e) => e.filter((f) => f.startsWith('restore-journal')));
  /** Native: previous data directories set aside beside the data directory. */
  const setAside = async () => {
    const conf = await readFile(`${home}/${name}/config/instance.conf`, 'utf8');
    const dataDir = /^data_dir="(.*)"$/m.exec(conf)?.[1] ?? `${home}/${name}/data`;
    return (await readdir(dirname(dataDir))).filter((e) => e.includes('.pre-restore-'));
  };

  beforeAll(async () => {
    home = await tempHome(`rp-physical-killed-${engine}-`);
    const start = await cli([
      'manage',
      'start',
      '--instance',
      name,
      '--engine',
      engine,
      ...(engine === 'docker' ? ['--image', TEST_IMAGE] : []),
    ]);
    expect(start.code, start.stderr).toBe(0);
    await sql("CREATE TABLE t (v text); INSERT INTO t VALUES ('backed-up')");
    const backup = await cli(['backup', 'create', '--instance', name, '--name', 'p1', '--method', 'physical']);
    expect(backup.code, backup.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => destroyHome(home), 240_000);

  it.each([
    ['restore:physical-replaced', 'undone', ['changed since']],
    ['restore:physical-committing', 'completed', ['backed-up']],
  ])(
    'killed at %s: the next start has it %s, and the data is %j',
    async (point, how, expected) => {
      await sql("TRUNCATE t; INSERT INTO t VALUES ('changed since')");
      const killed = await cli(['backup', 'restore', 'p1', '--instance', name, '--force'], {
        RESOURCE_POSTGRES_TEST_FAULT: point,
      });
      expect(killed.code, killed.stderr).toBe(128);
      expect(await journal()).toEqual(['restore-journal.json']);
      const start = await cli(['manage', 'start', '--instance', name]);
      expect(start.code, start.stderr).toBe(0);
      expect(start.stderr).toMatch(
        how === 'undone' ? /undoing an interrupted restore/ : /completing an interrupted restore/,
      );
      expect(await rows()).toEqual(expected);
      expect(await journal()).toEqual([]);
      if (engine === 'native') expect(await setAside()).toEqual([]);
      const status = JSON.parse((await cli(['status', '--instance', name, '--json'])).stdout);
      expect(status.instances[0]).toMatchObject({ healthy: true });
    },
    180_000,
  );

  it('killed before its commit, then restored again: the second restore finishes cleanly', async () => {
    await sql("TRUNCATE t; INSERT INTO t VALUES ('changed since')");
    const killed = await cli(['backup', 'restore', 'p1', '--instance', name, '--force'], {
      RESOURCE_POSTGRES_TEST_FAULT: 'restore:physical-replaced',
    });
    expect(killed.code).toBe(128);
    const again = await cli(['backup', 'restore', 'p1', '--instance', name, '--force']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/undoing an interrupted restore/);
    expect(await rows()).toEqual(['backed-up']);
    expect(await journal()).toEqual([]);
    if (engine === 'native') expect(await setAside()).toEqual([]);
  }, 180_000);
});
