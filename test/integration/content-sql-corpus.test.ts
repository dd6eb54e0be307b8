import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, ROOT } from '../support/cli.js';
import { useContentInstance } from '../support/content-instance.js';
import { fingerprint, psqlEnv, runPsql } from '../support/db-fingerprint.js';

/**
 * The SQL corpus (test/corpus) through `content execute --file` and through
 * `psql -X -v ON_ERROR_STOP=1 -f`, each into its own database of the same instance: both
 * must leave the same database behind (every table's rows, byte for byte, every function
 * and rule) and print the same. psql is Debian's postgresql-client (15 on the machines here,
 * installed by CI); the servers are the engines' own (16 native, 17 in the test image).
 */
const engines = await enginesUnderTest();
const CORPUS = join(ROOT, 'test', 'corpus');
const FILES = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.sql'))
  .sort();
/** Files whose failures are passed over (ON_ERROR_STOP off): psql exits 0, content execute exits 1 so callers notice. */
const EXIT_OURS: Record<string, number> = { '06-on-error-stop-off.sql': 1 };

/** What must hold whatever psql does: the values these files are about, read back from our database. */
const SPOT_CHECKS: Record<string, [string, unknown[]]> = {
  '01-standard-strings.sql': [
    'SELECT v FROM strings WHERE id IN (1, 4) ORDER BY id',
    ["a\\b'cd;", "'; DROP TABLE strings; --"],
  ],
  '04-encoding-win1252.sql': [
    "SELECT encode(convert_to(v, 'UTF8'), 'hex') AS v FROM win WHERE id IN (1, 3, 6) ORDER BY id",
    ['c3a46263', '73747261c39f65', 'c3a4c280'],
  ],
  '05-latin1-dump.sql': ['SELECT name FROM public.people ORDER BY id', ['José Muñoz', 'Zoë \\ François', null]],
  '08-shift-jis.sql': ['SELECT v FROM sjis ORDER BY id', ['表', 'ソ能', '予定表;']],
};

describe.each(engines)('SQL corpus on the %s engine: content execute leaves what psql leaves', (engine) => {
  const ct = useContentInstance(engine, 'corpus');
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    env = await psqlEnv(ct);
  });

  it('has a corpus to compare', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(8);
  });

  it.each(FILES)(
    '%s',
    async (file) => {
      const path = join(CORPUS, file);
      const [ours, theirs] = [`c${file.slice(0, 2)}_ours`, `c${file.slice(0, 2)}_psql`];
      for (const db of [ours, theirs]) expect((await ct.cli(['content', 'create-database', db])).code).toBe(0);

      const run = await ct.cli(['content', 'execute', '--database', ours, '--file', path]);
      expect(run.code, run.stderr).toBe(EXIT_OURS[file] ?? 0);
      const psql = await runPsql(path, theirs, env);
      expect(psql.code, psql.stderr).toBe(0);
      expect(run.stdout).toBe(psql.stdout);

      const [a, b] = await Promise.all([fingerprint(ct, ours), fingerprint(ct, theirs)]);
      expect(a.some((row) => row.kind === 'r')).toBe(true);
      expect(a).toEqual(b);

      const spot = SPOT_CHECKS[file];
      if (spot) {
        const [result] = await ct.sql(ours, spot[0]);
        expect(result!.rows.map((r) => Object.values(r)[0])).toEqual(spot[1]);
      }
    },
    60_000,
  );
});
