import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/core/errors.js';
import type { Actions } from '../../src/ui/actions.js';
import { dispatch, route } from '../../src/ui/routes.js';

/** Request routing of the console's API: which action each method + path calls, with what. */
function fakeActions(calls: unknown[][]): Actions {
  const rec =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push([name, ...args]);
      if (args[0] === 'ghost') throw new CliError('not-found', 'no instance named "ghost"', { hint: 'create it' });
      return name === 'logs' ? { lines: ['l'] } : { name };
    };
  return {
    status: rec('status'),
    lifecycle: rec('lifecycle'),
    logs: rec('logs') as unknown as Actions['logs'],
    databases: rec('databases'),
    query: rec('query'),
    connection: rec('connection') as unknown as Actions['connection'],
  };
}

const q = (s = '') => new URLSearchParams(s);

describe('console API routing', () => {
  it('calls the matching action with the instance and its arguments', async () => {
    const calls: unknown[][] = [];
    const a = fakeActions(calls);
    expect((await dispatch(a, 'GET', '/api/status', q(), undefined)).status).toBe(200);
    await dispatch(a, 'POST', '/api/instances/app/stop', q(), {});
    await dispatch(a, 'POST', '/api/instances/app/start', q(), {});
    await dispatch(a, 'POST', '/api/instances/app/restart', q(), {});
    await dispatch(a, 'GET', '/api/instances/app/logs', q('tail=20'), undefined);
    await dispatch(a, 'GET', '/api/instances/app/logs', q(), undefined);
    await dispatch(a, 'GET', '/api/instances/app/databases', q(), undefined);
    await dispatch(a, 'GET', '/api/instances/app/connection', q(), undefined);
    await dispatch(a, 'POST', '/api/instances/app/password', q(), {});
    await dispatch(a, 'POST', '/api/instances/app/query', q(), { sql: 'select 1', database: 'shop' });
    await dispatch(a, 'POST', '/api/instances/app/query', q(), { sql: 'select 1', allow_writes: true });
    expect(calls).toEqual([
      ['status'],
      ['lifecycle', 'app', 'stop'],
      ['lifecycle', 'app', 'start'],
      ['lifecycle', 'app', 'restart'],
      ['logs', 'app', 20],
      ['logs', 'app', 200],
      ['databases', 'app'],
      ['connection', 'app', false],
      ['connection', 'app', true],
      ['query', 'app', { sql: 'select 1', database: 'shop', allowWrites: false }],
      ['query', 'app', { sql: 'select 1', database: undefined, allowWrites: true }],
    ]);
  });

  it('keeps writes off unless allow_writes is the literal true', async () => {
    const calls: unknown[][] = [];
    for (const v of ['true', 1, 'yes', null])
      await dispatch(fakeActions(calls), 'POST', '/api/instances/app/query', q(), { sql: 'x', allow_writes: v });
    expect(calls.map((c) => (c[2] as { allowWrites: boolean }).allowWrites)).toEqual([false, false, false, false]);
  });

  it('answers 404 for unknown paths and 405 for a known verb with the wrong method', () => {
    expect(route('GET', '/api/nothing')).toMatchObject({ kind: 'reply', reply: { status: 404 } });
    expect(route('GET', '/api/instances/app/frobnicate')).toMatchObject({ kind: 'reply', reply: { status: 404 } });
    expect(route('GET', '/api/instances/app/stop')).toMatchObject({ kind: 'reply', reply: { status: 405 } });
    expect(route('POST', '/api/status')).toMatchObject({ kind: 'reply', reply: { status: 405 } });
    // The password leaves only on a POST (which the Origin check guards).
    expect(route('GET', '/api/instances/app/password')).toMatchObject({ kind: 'reply', reply: { status: 405 } });
  });

  it('refuses a bad instance name or argument before calling anything, naming the input', async () => {
    const calls: unknown[][] = [];
    const a = fakeActions(calls);
    const bad = await dispatch(a, 'GET', '/api/instances/..%2Fetc/logs', q(), undefined);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('invalid instance name');
    const tail = await dispatch(a, 'GET', '/api/instances/app/logs', q('tail=-1'), undefined);
    expect(tail.status).toBe(400);
    expect(JSON.stringify(tail.body)).toContain('tail must be');
    const noSql = await dispatch(a, 'POST', '/api/instances/app/query', q(), { sql: 42 });
    expect(noSql.status).toBe(400);
    expect(calls).toEqual([]);
  });

  it("turns a command's error into its HTTP status with the CLI's message and hint", async () => {
    const r = await dispatch(fakeActions([]), 'POST', '/api/instances/ghost/start', q(), {});
    expect(r).toEqual({
      status: 404,
      body: { error: { kind: 'not-found', message: 'no instance named "ghost"', hint: 'create it', details: null } },
    });
  });
});
