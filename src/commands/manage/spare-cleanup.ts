import { access, readFile, rm } from 'node:fs/promises';
import type { Context } from '../../context.js';
import { dataVolumeOf, type EngineName } from '../../core/instance.js';
import { withLock } from '../../core/lock.js';
import { SpareStore } from '../../core/spare-store.js';
import { stillRunning } from '../../system/process-identity.js';

const STOP_WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Uninstall takes the home's spares of these engines with it, and no builder outlives it.
 * The order closes the race with a builder: (1) bump the epoch, so a builder that has not
 * published yet never will; (2) end a running builder (its whole process group: initdb or
 * docker calls with it); (3) take the builder lock, which waits for a builder we could not
 * end; (4) under it, remove every spare's data and record. Best effort past (1): a spare left
 * over is never used by an instance of another key and is removed by the next uninstall.
 */
export async function removeSpares(ctx: Context, engines: EngineName[]): Promise<void> {
  const store = new SpareStore(ctx.home.dir);
  // No spare was ever built or started here: nothing to do (and no daemon to ask).
  if (
    !(await access(store.dir).then(
      () => true,
      () => false,
    ))
  )
    return;
  await store.bumpEpoch();
  for (const name of engines) {
    await stopBuilder(store.builderFile(name));
    await withLock(
      store.lockPath(name),
      async () => {
        const engine = await ctx.engine(name);
        if (!engine.spareLeftovers || !engine.discardSpare) return;
        if (name === 'docker' && !(await engine.check()).ok) return;
        const { records } = await store.list();
        const keep = await inUse(ctx, store);
        const locations = new Set([
          ...records.filter((r) => r.engine === name).map((r) => r.location),
          ...(await engine.spareLeftovers()),
        ]);
        // A spare an instance took is that instance's data now: never discarded here.
        for (const location of locations) if (!keep.has(location)) await engine.discardSpare(location).catch(() => {});
        for (const r of records) if (r.engine === name) await store.drop(r.id);
      },
      { timeoutMs: 300_000 },
    ).catch((e: unknown) => ctx.talk.warn(`could not remove the ${name} spares: ${(e as Error).message}`));
  }
}

/**
 * Where instances' data is: every instance's data volume and data directory, and the spares
 * a create is taking right now (their record renamed to .taken until the instance records them).
 */
export async function inUse(ctx: Context, store: SpareStore): Promise<Set<string>> {
  const keep = new Set<string>(await store.takenLocations());
  for (const entry of await ctx.registry.list()) {
    if ('error' in entry) continue;
    keep.add(dataVolumeOf(entry));
    if (entry.dataDir) keep.add(entry.dataDir);
  }
  return keep;
}

/** Ends the builder named in its marker file, if that very process (pid and start time) still runs. */
async function stopBuilder(marker: string): Promise<void> {
  const text = await readFile(marker, 'utf8').catch(() => '');
  const [pid, start] = text.trim().split(' ');
  if (!pid || !start || !/^\d+$/.test(pid)) return;
  const who = { pid: Number(pid), start };
  if (!(await stillRunning(who))) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-who.pid, s); // the builder leads its own process group (spawned detached)
    } catch {
      /* gone already */
    }
  };
  signal('SIGTERM');
  for (const deadline = Date.now() + STOP_WAIT_MS; Date.now() < deadline; await sleep(50))
    if (!(await stillRunning(who))) break;
  if (await stillRunning(who)) signal('SIGKILL');
  await rm(marker, { force: true });
}
