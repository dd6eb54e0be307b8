import { describe, expect, it } from 'vitest';
import {
  defaultBackupName,
  parseManifest,
  unsafeManifestPath,
  validateBackupName,
} from '../../src/commands/backup/manifest.js';
import { parseAge, selectForPrune } from '../../src/commands/backup/retention.js';
import { keepOwnPassword, unexpectedGlobalsErrors } from '../../src/postgres/backup/globals-sql.js';
import { majorOfVersionNum, parseToolVersion, toolSuits } from '../../src/core/pg-version.js';
import { isBaseBackupPath, physicalBlocker, startWalFile, walFilesBetween } from '../../src/core/physical-backup.js';

describe('backup names', () => {
  it.each(['main-20260101T000000Z', 'a', 'before.upgrade_2', 'X1-y'])('accepts %s', (n) =>
    expect(validateBackupName(n)).toBe(n),
  );
  it.each(['', '.hidden', '-flag', '--force', 'a/b', '../x', 'sp ace', 'x'.repeat(101), 'ü'])('refuses %j', (n) =>
    expect(() => validateBackupName(n)).toThrow(/invalid backup name/),
  );
  it('default names sort by time and carry the instance', () => {
    expect(defaultBackupName('main', new Date('2026-01-31T12:34:56.789Z'))).toBe('main-20260131T123456Z');
    expect(validateBackupName(defaultBackupName('app_1', new Date()))).toMatch(/^app_1-\d{8}T\d{6}Z$/);
  });
});

describe('manifest', () => {
  const good = {
    format: 1,
    name: 'b',
    instance: 'main',
    engine: 'docker',
    method: 'logical',
    files: [],
    databases: [],
    status: 'complete',
    server_major: 17,
  };
  it('parses a format-1 manifest', () => expect(parseManifest(JSON.stringify(good), '/x').name).toBe('b'));
  it('names the file and what is missing', () => {
    expect(() => parseManifest('{', '/b/manifest.json')).toThrow(/damaged backup manifest \/b\/manifest.json/);
    expect(() => parseManifest(JSON.stringify({ ...good, method: undefined }), '/m')).toThrow(/missing method/);
    expect(() => parseManifest(JSON.stringify({ ...good, format: 2 }), '/m')).toThrow(/not a format-1/);
  });
  it.each([
    ['../x', true],
    ['/etc/passwd', true],
    ['a//b', true],
    ['manifest.json', true],
    ['databases/001.dump', false],
    ['globals.sql', false],
  ])('unsafe path %s -> %s', (p, bad) => expect(unsafeManifestPath(p)).toBe(bad));
});

describe('retention', () => {
  const at = (s: string) => new Date(s);
  const entries = [
    { name: 'a1', instance: 'a', finishedAt: at('2026-01-01T00:00:00Z') },
    { name: 'a2', instance: 'a', finishedAt: at('2026-01-05T00:00:00Z') },
    { name: 'a3', instance: 'a', finishedAt: at('2026-01-09T00:00:00Z') },
    { name: 'b1', instance: 'b', finishedAt: at('2026-01-02T00:00:00Z') },
  ];
  const now = at('2026-01-10T00:00:00Z');
  it('keep N is per instance, newest kept', () =>
    expect(selectForPrune(entries, { keep: 1 }, now).map((e) => e.name)).toEqual(['a2', 'a1']));
  it('keep 0 removes everything', () => expect(selectForPrune(entries, { keep: 0 }, now)).toHaveLength(4));
  it('older-than compares finish times', () =>
    expect(
      selectForPrune(entries, { olderThanMs: parseAge('7d') }, now)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['a1', 'b1']));
  it.each([
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
  ])('age %s', (t, ms) => expect(parseAge(t)).toBe(ms));
  it.each(['7', '0d', '-1d', '7y', 'd7', ''])('refuses age %j', (t) =>
    expect(() => parseAge(t)).toThrow(/invalid age/),
  );
});

describe('physical backup rules', () => {
  it.each([
    ['./base/1/1259', false, true],
    ['./global/pg_control', false, true],
    ['./pg_wal', true, true],
    ['./pg_wal/000000010000000000000001', false, false],
    ['./pg_wal/archive_status', true, false],
    ['./postmaster.pid', false, false],
    ['./postmaster.opts', false, false],
    ['./backup_label', false, false],
    ['./pg_replslot/s/state', false, false],
    ['./pg_stat_tmp/x', false, false],
    ['./base/pgsql_tmp', true, false],
    ['./base/5/pg_internal.init', false, false],
    ['./postgresql.auto.conf', false, true],
    ['./pg_stat', true, true],
  ])('%s (dir %s) -> %s', (p, dir, want) => expect(isBaseBackupPath(p, dir)).toBe(want));
  it('WAL from start to stop on one timeline, with history files', () => {
    const names = [
      '000000010000000000000002',
      '000000010000000000000003',
      '000000010000000000000004',
      '000000010000000000000005',
      '000000020000000000000003',
      '00000002.history',
      'archive_status',
    ];
    expect(walFilesBetween(names, '000000010000000000000003', '000000010000000000000004')).toEqual([
      '000000010000000000000003',
      '000000010000000000000004',
      '00000002.history',
    ]);
  });
  it('reads the start WAL file from the label', () => {
    expect(
      startWalFile('START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\nCHECKPOINT LOCATION: 0/3000060\n'),
    ).toBe('000000010000000000000003');
    expect(startWalFile('nothing')).toBeUndefined();
  });
  it('wal_level minimal blocks an online backup', () => {
    expect(physicalBlocker({ wal_level: 'minimal', server_major: 16 })).toMatch(/wal_level is minimal/);
    expect(physicalBlocker({ wal_level: 'replica', server_major: 16 })).toBeUndefined();
  });
});

describe('globals replay', () => {
  const sql = [
    'CREATE ROLE app;',
    "ALTER ROLE app WITH NOSUPERUSER LOGIN PASSWORD 'SCRAM-SHA-256$4096:a$b:c';",
    'CREATE ROLE vrooli;',
    "ALTER ROLE vrooli WITH SUPERUSER LOGIN PASSWORD 'SCRAM-SHA-256$4096:x$y:z';",
    'ALTER ROLE "Odd""Name" WITH LOGIN PASSWORD \'p\'\'q\';',
  ].join('\n');
  it('keeps the target superuser password, nobody else', () => {
    const out = keepOwnPassword(sql, 'vrooli').split('\n');
    expect(out[3]).toBe('ALTER ROLE vrooli WITH SUPERUSER LOGIN;');
    expect(out[1]).toContain("PASSWORD 'SCRAM");
  });
  it('handles quoted role names and doubled quotes', () =>
    expect(keepOwnPassword(sql, 'Odd"Name').split('\n')[4]).toBe('ALTER ROLE "Odd""Name" WITH LOGIN;'));
  it('only unexpected psql errors are reported', () => {
    const stderr =
      'psql:<stdin>:14: ERROR:  role "vrooli" already exists\npsql:<stdin>:20: ERROR:  permission denied to grant\n';
    expect(unexpectedGlobalsErrors(stderr)).toEqual(['ERROR:  permission denied to grant']);
  });
});

describe('client versions', () => {
  it('parses pg_dump --version', () =>
    expect(parseToolVersion('pg_dump (PostgreSQL) 17.12 (Debian 17.12-0+deb13u1)')).toEqual({
      version: '17.12',
      major: 17,
    }));
  it('server_version_num -> major', () => {
    expect(majorOfVersionNum(160014)).toBe(16);
    expect(majorOfVersionNum(90624)).toBe(9.6);
  });
  it('pg_dump must be as new as the server', () => {
    expect(toolSuits(17, 16)).toBe(true);
    expect(toolSuits(15, 16)).toBe(false);
  });
});
