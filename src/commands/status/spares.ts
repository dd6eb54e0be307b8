import { readFile, stat } from 'node:fs/promises';
import type { Context } from '../../context.js';
import { SpareStore } from '../../core/spare-store.js';
import { spareAge } from '../../core/spares.js';
import { stillRunning } from '../../system/process-identity.js';

/** One spare as `status --verbose` shows it: no location, no password. */
export interface SpareStatus {
  engine: string;
  /** The major of a ready spare; null while its builder is at work. */
  major: string | null;
  state: 'ready' | 'building';
  /** Since it was built, or since its builder started. */
  age: string;
}

/** The home's spares: ready ones from their records, and builders at work (marker of a live process). */
export async function sparesStatus(ctx: Context): Promise<SpareStatus[]> {
  const store = new SpareStore(ctx.home.dir);
  const now = ctx.now();
  const { records } = await store.list();
  const out: SpareStatus[] = records
    .sort((a, b) => a.created.localeCompare(b.created))
    .map((r) => ({ engine: r.engine, major: r.major, state: 'ready' as const, age: spareAge(r.created, now) }));
  for (const engine of ['native', 'docker'] as const) {
    const text = await readFile(store.builderFile(engine), 'utf8').catch(() => '');
    const [pid, start] = text.trim().split(' ');
    if (!pid || !start || !/^\d+$/.test(pid) || !(await stillRunning({ pid: Number(pid), start }))) continue;
    const since = await builderSince(store.builderFile(engine));
    out.push({ engine, major: null, state: 'building', age: since ? spareAge(since, now) : '-' });
  }
  return out;
}

async function builderSince(file: string): Promise<string | undefined> {
  return stat(file).then(
    (s) => s.mtime.toISOString(),
    () => undefined,
  );
}
