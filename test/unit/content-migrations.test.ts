import { describe, expect, it } from 'vitest';
import { MigrationScan, scanText, selectMigrations } from '../../src/postgres/migrations/files.js';
import { type AppliedMigration, planMigrations, type ScannedMigration } from '../../src/postgres/migrations/plan.js';

const files = (...names: string[]) => names.map((name) => ({ name, isFile: true }));

describe('selectMigrations', () => {
  it('orders NNN_name.sql by number and lists what it ignores', () => {
    const { migrations, ignored } = selectMigrations([
      ...files(
        '010_ten.sql',
        '002_two.sql',
        '1_one.sql',
        'rollback_003_x.sql',
        '003_x.down.sql',
        'README.md',
        'seed.sql',
        '.gitkeep',
        '004_four.SQL',
      ),
      { name: '005_dir.sql', isFile: false },
    ]);
    expect(migrations.map((m) => [m.version, m.name, m.file])).toEqual([
      [1, 'one', '1_one.sql'],
      [2, 'two', '002_two.sql'],
      [10, 'ten', '010_ten.sql'],
    ]);
    expect(ignored).toEqual([
      { file: '003_x.down.sql', reason: 'not named NNN_name.sql' },
      { file: '004_four.SQL', reason: 'not a .sql file' },
      { file: '005_dir.sql', reason: 'not a file' },
      { file: 'README.md', reason: 'not a .sql file' },
      { file: 'rollback_003_x.sql', reason: 'not named NNN_name.sql' },
      { file: 'seed.sql', reason: 'not named NNN_name.sql' },
    ]);
  });

  it('numbers compare as numbers, not text', () => {
    expect(selectMigrations(files('9_a.sql', '10_b.sql', '0100_c.sql')).migrations.map((m) => m.version)).toEqual([
      9, 10, 100,
    ]);
  });

  it('refuses two files with the same number', () => {
    expect(() => selectMigrations(files('001_a.sql', '1_b.sql'))).toThrow(
      /two migrations have version 1: 001_a.sql and 1_b.sql/,
    );
  });
});

describe('migration checksum and marker', () => {
  it('is SHA-256 of the text, stable across chunking and CRLF line ends', () => {
    const text = 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n';
    const { checksum } = scanText(text);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(scanText(text.replace(/\n/g, '\r\n')).checksum).toBe(checksum);
    const crlf = text.replace(/\n/g, '\r\n');
    for (let size = 1; size < 6; size++) {
      const s = new MigrationScan();
      for (let i = 0; i < crlf.length; i += size) s.update(crlf.slice(i, i + size));
      expect(s.result().checksum).toBe(checksum);
    }
  });

  it('changes with any edit, even whitespace', () => {
    expect(scanText('SELECT 1;\n').checksum).not.toBe(scanText('SELECT  1;\n').checksum);
    expect(scanText('SELECT 1;\n').checksum).not.toBe(scanText('SELECT 1;').checksum);
  });

  it.each([
    ['-- resource-postgres: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);', true],
    ['CREATE INDEX CONCURRENTLY i ON t (a);\n  --resource-postgres:no-transaction', true],
    ['-- RESOURCE-POSTGRES: NO-TRANSACTION\r\nSELECT 1;', true],
    ['SELECT 1; -- resource-postgres: no-transaction', false],
    ["SELECT '-- resource-postgres: no-transaction-please';", false],
    ['SELECT 1;', false],
  ])('marker in %j: %s', (text, expected) => {
    expect(scanText(text).no_transaction).toBe(expected);
    const s = new MigrationScan();
    for (const ch of text) s.update(ch);
    expect(s.result().no_transaction).toBe(expected);
  });
});

describe('planMigrations', () => {
  const m = (version: number, checksum = `c${version}`): ScannedMigration => ({
    version,
    name: `m${version}`,
    file: `00${version}_m${version}.sql`,
    checksum,
    no_transaction: false,
  });
  const rec = (version: number, checksum = `c${version}`): AppliedMigration => ({
    version,
    name: `m${version}`,
    checksum,
    applied_at: '2026-01-01T00:00:00.000Z',
    duration_ms: 5,
  });

  it('splits applied and pending', () => {
    const plan = planMigrations([m(1), m(2), m(3)], [rec(1)]);
    expect(plan.applied.map((a) => a.version)).toEqual([1]);
    expect(plan.pending.map((a) => a.version)).toEqual([2, 3]);
    expect(plan.changed).toEqual([]);
  });

  it('a second run has nothing to do', () => {
    expect(planMigrations([m(1), m(2)], [rec(1), rec(2)]).pending).toEqual([]);
  });

  it('flags an applied file whose checksum changed', () => {
    const plan = planMigrations([m(1, 'edited'), m(2)], [rec(1)]);
    expect(plan.changed).toEqual([{ file: '001_m1.sql', version: 1, recorded: 'c1', current: 'edited' }]);
  });

  it('stops at --target', () => {
    const plan = planMigrations([m(1), m(2), m(3)], [], 2);
    expect(plan.pending.map((a) => a.version)).toEqual([1, 2]);
    expect(plan.beyond_target.map((a) => a.version)).toEqual([3]);
  });

  it('flags a pending file numbered below an applied one, and recorded versions without a file', () => {
    const plan = planMigrations([m(1), m(2), m(3)], [rec(1), rec(3), rec(4)]);
    expect(plan.out_of_order.map((a) => a.version)).toEqual([2]);
    expect(plan.missing.map((a) => a.version)).toEqual([4]);
  });
});
