import { describe, expect, it } from 'vitest';
import { parseStartTime, processIdentity, stillRunning } from '../../src/system/process-identity.js';

describe('process identity', () => {
  it('reads the start time past a command name holding spaces and parentheses', () => {
    const stat = '4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 2 3';
    expect(parseStartTime(stat)).toBe('987654');
  });

  it('this process is running; the same pid with another start time is not', async () => {
    const me = await processIdentity(process.pid);
    expect(me?.pid).toBe(process.pid);
    expect(await stillRunning(me!)).toBe(true);
    expect(await stillRunning({ pid: process.pid, start: `${me!.start}1` })).toBe(false);
    expect(await processIdentity(2 ** 22 + 1)).toBeUndefined();
  });
});
