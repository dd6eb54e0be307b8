import { access } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { generatePassword } from '../../core/instance.js';
import { acquireLock } from '../../core/lock.js';
import { SpareStore } from '../../core/spare-store.js';
import { processIdentity } from '../../system/process-identity.js';
import { draftInstance } from './create.js';
import { type SpareJob, sparesOn, spareWant } from './spares.js';
import { writeFile, rm } from 'node:fs/promises';

/**
 * The detached builder of one spare (started by startSpareBuilder after a create). It holds
 * the home's spare lock for its engine only while it builds and then exits: nothing stays
 * behind idle. Uninstall bumps the store's epoch, stops it, then takes the same lock: a builder
 * whose epoch is no longer current publishes nothing, and throws away what it built.
 */
export async function runSpareBuilder(ctx: Context, jobText: string | undefined): Promise<number> {
  // Detached, no one reads its output: whatever goes wrong ends it quietly (the next create initialises).
  return build(ctx, jobText).catch(() => 1);
}

async function build(ctx: Context, jobText: string | undefined): Promise<number> {
  const job = JSON.parse(jobText ?? '{}') as SpareJob;
  if (job.engine !== 'native' && job.engine !== 'docker') return 2;
  const store = new SpareStore(ctx.home.dir);
  if (!(await sparesOn(ctx, {})) || !(await homeThere(ctx))) return 0;
  let release: () => Promise<void>;
  try {
    // Another builder of this engine at work: it makes the spare; one at a time is plenty.
    release = await acquireLock(store.lockPath(job.engine), { timeoutMs: 1 });
  } catch {
    return 0;
  }
  const marker = store.builderFile(job.engine);
  try {
    const me = await processIdentity(process.pid);
    if (me) await writeFile(marker, `${me.pid} ${me.start}\n`, { mode: 0o600 });
    if ((await store.epoch()) !== job.epoch) return 0; // an uninstall came between the create and us
    const engine = await ctx.engine(job.engine);
    const opts = { ...job, engine: job.engine };
    const draft = draftInstance(ctx, 'spare', opts, job.engine);
    await engine.prepare(draft, () => {});
    const want = await spareWant(engine, draft);
    const { records } = await store.list();
    if (records.some((r) => r.key === want.key)) return 0; // one ready spare per key
    const id = randomBytes(6).toString('hex');
    const password = generatePassword(DEFAULTS.passwordLength);
    const location = await engine.buildSpare!(draft, id, password, () => {});
    // Publish only while still wanted: the same epoch, the home still there.
    if ((await store.epoch()) !== job.epoch || !(await homeThere(ctx))) {
      await engine.discardSpare!(location).catch(() => {});
      return 0;
    }
    const { key, slot, major } = want;
    await store.save({
      id,
      engine: job.engine,
      major,
      key,
      slot,
      created: ctx.now().toISOString(),
      location,
      password,
    });
    return 0;
  } catch {
    return 1; // a speed-up only: the next create initialises as usual
  } finally {
    await rm(marker, { force: true }).catch(() => {});
    await release();
  }
}

async function homeThere(ctx: Context): Promise<boolean> {
  return access(new SpareStore(ctx.home.dir).dir).then(
    () => true,
    () => false,
  );
}
