import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { copyEndingSessions } from '../../src/commands/snapshot/copy.js';

/**
 * The decision a copy makes about open sessions (refuse, end them, retry when one comes back),
 * over a scripted client: which statements run, in which order, and what is said.
 */
function fakeClient(opts: { open: number; version: number; inUseTimes?: number }) {
  const ran: string[] = [];
  let inUse = opts.inUseTimes ?? 0;
  const client = {
    query: async (text: string) => {
      ran.push(text.replace(/\s+/g, ' ').trim());
      if (text.includes('pg_terminate_backend')) return { rows: [{ n: opts.open }] };
      if (text.includes('count(*)')) return { rows: [{ n: opts.open }] };
      if (text.includes('server_version_num')) return { rows: [{ v: String(opts.version) }] };
      if (text.startsWith('CREATE DATABASE') && inUse > 0) {
        inUse--;
        throw Object.assign(new Error('source database "app" is being accessed by other users'), { code: '55006' });
      }
      return { rows: [] };
    },
  };
  return { client: client as never, ran };
}

function ctx() {
  const said: string[] = [];
  return { said, ctx: { talk: { info: (m: string) => said.push(m) } } as unknown as Context };
}

const req = (force: boolean) => ({
  source: 'app',
  target: 'rp_snap_s',
  force,
  retry: 'resource-postgres snapshot create s',
});

describe('copying a database with sessions open', () => {
  it('no sessions: one CREATE DATABASE ... TEMPLATE, FILE_COPY on 15+', async () => {
    const { client, ran } = fakeClient({ open: 0, version: 170002 });
    const c = ctx();
    expect(await copyEndingSessions(c.ctx, client, 'main', req(false))).toEqual({ terminated: 0 });
    expect(ran.filter((s) => s.startsWith('CREATE'))).toEqual([
      'CREATE DATABASE "rp_snap_s" TEMPLATE "app" STRATEGY FILE_COPY',
    ]);
    expect(ran.some((s) => s.includes('pg_terminate_backend'))).toBe(false);
    expect(c.said).toEqual([]);
  });

  it('before 15 there is no STRATEGY clause (file copy is the only way)', async () => {
    const { client, ran } = fakeClient({ open: 0, version: 140011 });
    await copyEndingSessions(ctx().ctx, client, 'main', { ...req(false), owner: 'app' });
    expect(ran.filter((s) => s.startsWith('CREATE'))).toEqual([
      'CREATE DATABASE "rp_snap_s" TEMPLATE "app" OWNER "app"',
    ]);
  });

  it('sessions without --force: refused before anything is ended or created, naming the fix', async () => {
    const { client, ran } = fakeClient({ open: 2, version: 170002 });
    const err = await copyEndingSessions(ctx().ctx, client, 'main', req(false)).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'refused', hint: expect.stringContaining('snapshot create s --force') });
    expect((err as Error).message).toMatch(/database app of instance main has 2 open sessions/);
    expect(ran.some((s) => s.startsWith('CREATE') || s.includes('pg_terminate_backend'))).toBe(false);
  });

  it('--force ends them, says so, and ends again those that came back', async () => {
    const { client, ran } = fakeClient({ open: 1, version: 170002, inUseTimes: 2 });
    const c = ctx();
    expect(await copyEndingSessions(c.ctx, client, 'main', req(true))).toEqual({ terminated: 3 });
    expect(ran.filter((s) => s.startsWith('CREATE'))).toHaveLength(3);
    expect(c.said).toEqual(Array(3).fill('ending 1 session on database app (--force)'));
  });

  it('--force gives up after five attempts rather than looping', async () => {
    const { client } = fakeClient({ open: 1, version: 170002, inUseTimes: 99 });
    await expect(copyEndingSessions(ctx().ctx, client, 'main', req(true))).rejects.toMatchObject({ kind: 'refused' });
  });
});
