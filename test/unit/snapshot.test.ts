import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';
import {
  isInternalDatabase,
  parseSnapshotMark,
  snapshotDatabase,
  snapshotNameOf,
  validateSnapshotName,
} from '../../src/postgres/snapshot-names.js';

const penv = { env: {}, homeInUse: () => '/tmp/home' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('snapshot names', () => {
  it.each(['base', 'before_migration', '2026_12_01', 'a', 'x'.repeat(55)])('accepts %s', (name) => {
    expect(validateSnapshotName(name)).toBe(name);
    // Prefix plus name always fits PostgreSQL's 63-byte identifiers.
    expect(snapshotDatabase(name).length).toBeLessThanOrEqual(63);
    expect(snapshotNameOf(snapshotDatabase(name))).toBe(name);
  });

  it.each(['', 'Base', 'with-dash', '_lead', 'x'.repeat(56), 'a b', 'a;drop', 'é', '../x'])('refuses %j', (name) => {
    expect(() => validateSnapshotName(name)).toThrow(/invalid snapshot name/);
  });

  it('shows a long bad name cut short and says the rule', () => {
    try {
      validateSnapshotName('Y'.repeat(200));
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(120);
      expect((e as { hint?: string }).hint).toMatch(/1-55 characters/);
    }
  });

  it('tells the program databases from the user', () => {
    expect(snapshotNameOf('vrooli')).toBeUndefined();
    expect(snapshotNameOf('rp_snap_Bad')).toBeUndefined();
    expect(isInternalDatabase('rp_snap_base')).toBe(true);
    expect(isInternalDatabase('rp_restore_0123456789')).toBe(true);
    expect(isInternalDatabase('app')).toBe(false);
  });

  it('reads back only its own mark', () => {
    const mark = { tool: 'resource-postgres', database: 'app', owner: 'app', created: '2026-12-01T00:00:00.000Z' };
    expect(parseSnapshotMark(JSON.stringify(mark))).toEqual(mark);
    expect(parseSnapshotMark(null)).toBeUndefined();
    expect(parseSnapshotMark('a user comment')).toBeUndefined();
    expect(parseSnapshotMark(JSON.stringify({ ...mark, tool: 'other' }))).toBeUndefined();
    expect(parseSnapshotMark(JSON.stringify({ tool: 'resource-postgres', database: 1 }))).toBeUndefined();
  });
});

describe('snapshot and branch argv -> options', () => {
  it.each([
    ['snapshot create base', { action: 'create', name: 'base', instance: 'main', force: false, dryRun: false }],
    [
      'snapshot create base --instance app --database shop --force --dry-run',
      { instance: 'app', database: 'shop', force: true, dryRun: true },
    ],
    ['snapshot restore base --force', { action: 'restore', name: 'base', force: true, dryRun: false }],
    ['snapshot list --instance app', { action: 'list', instance: 'app' }],
    ['snapshot remove base --dry-run', { action: 'remove', name: 'base', dryRun: true }],
    [
      'content create-database feature --from app --force',
      { action: 'create-database', database: 'feature', from: 'app', force: true },
    ],
    ['content create-database plain', { action: 'create-database', database: 'plain', from: undefined }],
  ])('%s', async (line, options) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('run');
    if (inv.kind === 'run') expect(inv.options).toMatchObject(options);
  });

  it.each([
    ['snapshot create Bad', /invalid snapshot name "Bad"/],
    ['snapshot create ok --database a;b', /invalid database name/],
    ['content create-database x --from a-b', /invalid database name/],
    ['snapshot', /name a snapshot action/],
  ])('%s is refused before anything runs', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
  });
});
