import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mapNativeState, parsePostmasterPid, parseProcStat, processLiveness } from '../../src/engines/native/state.js';

const PID_FILE = '4242\n/var/lib/x/data\n1700000000\n5433\n/var/lib/x/run\n127.0.0.1\n  5433001    131072\nready   \n';

describe('parsePostmasterPid', () => {
  it('reads pid, data dir, port, socket dir and status', () => {
    expect(parsePostmasterPid(PID_FILE)).toEqual({
      pid: 4242,
      dataDir: '/var/lib/x/data',
      port: 5433,
      socketDir: '/var/lib/x/run',
      status: 'ready',
    });
  });
  it('rejects garbage', () => {
    expect(parsePostmasterPid('')).toBeUndefined();
    expect(parsePostmasterPid('abc\n')).toBeUndefined();
    expect(parsePostmasterPid('-1\n')).toBeUndefined();
  });
});

describe('parseProcStat', () => {
  it('copes with spaces and parentheses in the name', () => {
    expect(parseProcStat('12 (postgres) S 1 12 12')).toEqual({ comm: 'postgres', state: 'S' });
    expect(parseProcStat('12 (a (b) c) Z 1')).toEqual({ comm: 'a (b) c', state: 'Z' });
  });
});

describe('processLiveness', () => {
  it('says other for a live process that is not postgres, gone for an exited one', async () => {
    expect(await processLiveness(process.pid)).toBe('other');
    const child = spawnSync('true');
    expect(await processLiveness(child.pid!)).toBe('gone');
  });
});

describe('mapNativeState', () => {
  const base = { dataDir: '/d', initialised: true, dataDirNonEmpty: true };
  const pidFile = { pid: 7, port: 5433 };
  it.each([
    [
      'no data directory',
      { ...base, initialised: false, dataDirNonEmpty: false },
      { state: 'absent', dataExists: false },
    ],
    ['clean stop', { ...base }, { state: 'stopped', dataExists: true }],
    [
      'running',
      { ...base, pidFile, liveness: 'alive' as const },
      { state: 'running', dataExists: true, pid: 7, port: 5433 },
    ],
    [
      'crashed',
      { ...base, pidFile, liveness: 'gone' as const },
      { state: 'stopped', dataExists: true, detail: 'postmaster.pid left by pid 7 which is gone (crashed?)' },
    ],
  ])('%s', (_what, facts, expected) => {
    expect(mapNativeState(facts)).toEqual(expected);
  });
  it('says when a pid was reused, and when a directory holds no cluster', () => {
    expect(mapNativeState({ ...base, pidFile, liveness: 'other' }).detail).toMatch(/another program/);
    expect(mapNativeState({ ...base, initialised: false })).toMatchObject({
      state: 'absent',
      dataExists: true,
      detail: expect.stringMatching(/no PG_VERSION/),
    });
  });
});
