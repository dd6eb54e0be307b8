import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTracer, TRACE_ENV } from '../../src/core/trace.js';
import { ROOT } from '../support/cli.js';

/** The built bundle's stderr for `status --json` in an empty home. */
function stderrOf(env: NodeJS.ProcessEnv): Promise<string> {
  const home = join(tmpdir(), `rp-trace-${process.pid}-missing`); // never created: status only reads
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist', 'resource-postgres.mjs'), 'status', '--json'],
      { env: { ...process.env, [TRACE_ENV]: undefined, ...env, RESOURCE_POSTGRES_HOME: home }, timeout: 20_000 },
      (_err, _stdout, stderr) => resolve(stderr),
    );
  });
}

/** The per-phase trace (RESOURCE_POSTGRES_TRACE): silent unless switched on, honest when on. */
describe('trace', () => {
  const recorder = () => {
    const lines: string[] = [];
    return { lines, write: (l: string) => void lines.push(l) };
  };

  it.each([{}, { [TRACE_ENV]: '' }, { [TRACE_ENV]: '0' }])('prints nothing when off (%o)', async (env) => {
    const { lines, write } = recorder();
    const t = createTracer(env, write);
    expect(t.on).toBe(false);
    t.mark('main');
    expect(await t.span('work', async () => 42)).toBe(42);
    await expect(t.span('broken', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lines).toEqual([]);
  });

  it('prints each mark and span with the time since start and the duration', async () => {
    const { lines, write } = recorder();
    let now = 10;
    const t = createTracer({ [TRACE_ENV]: '1' }, write, () => now);
    t.mark('main entered');
    const value = await t.span('connect', async () => {
      now = 25.5;
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(lines).toEqual(['trace     10.0 ms  main entered\n', 'trace     10.0 ms  connect  (15.5 ms)\n']);
  });

  it('marks a failed span and passes its error on', async () => {
    const { lines, write } = recorder();
    const t = createTracer({ [TRACE_ENV]: '1' }, write, () => 5);
    await expect(t.span('auth', () => Promise.reject(new Error('28P01')))).rejects.toThrow('28P01');
    expect(lines).toEqual(['trace      5.0 ms  auth  (0.0 ms, failed)\n']);
  });
});

describe('trace of a real run', () => {
  it('is silent by default', async () => {
    expect(await stderrOf({})).toBe('');
  });

  it('names the phases when switched on', async () => {
    const lines = (await stderrOf({ [TRACE_ENV]: '1' })).trim().split('\n');
    expect(lines.every((l) => l.startsWith('trace '))).toBe(true);
    for (const phase of [
      'node bootstrap complete',
      'main called',
      'parse arguments',
      'home scan',
      'command status',
      'exit 2',
    ])
      expect(lines.some((l) => l.includes(phase))).toBe(true);
  });
});
