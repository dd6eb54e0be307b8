import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Context } from '../../context.js';
import { asAdmin, type Instance } from '../../core/instance.js';
import { SpareStore } from '../../core/spare-store.js';
import { digestOf, pickSpare, SPARE_BUILDER_ARG, spareKey, sparesEnvOff } from '../../core/spares.js';
import { getTemplate } from '../../core/templates.js';
import type { Engine } from '../../engines/engine.js';
import type { CreateOptions } from '../options.js';
import { inUse } from './spare-cleanup.js';

/**
 * Instant instances: a create takes a spare that matches it exactly (spares.ts in core says
 * what "exactly" covers), and after every create a detached builder makes the next one
 * (spare-builder.ts). Spares are a speed-up only: anything going wrong with one means the
 * create initialises its data as it always did.
 */

/** The create options the builder needs to draft the same instance (none of them secret). */
export type SpareJob = Pick<CreateOptions, 'template' | 'pgVersion' | 'pgBin' | 'image' | 'appRole'> & {
  engine: Engine['name'];
  epoch: number;
};

/** Spares are on unless --no-spare, RESOURCE_POSTGRES_SPARES=off or a file <home>/spares-off says otherwise. */
export async function sparesOn(ctx: Context, opts: { noSpare?: boolean }): Promise<boolean> {
  if (opts.noSpare || sparesEnvOff(ctx.env)) return false;
  return !(await new SpareStore(ctx.home.dir).offByHome());
}

/** What a spare for this draft must have been built for. */
export async function spareWant(engine: Engine, draft: Instance) {
  const { major, identity } = await engine.spareIdentity!(draft);
  const template = getTemplate(draft.template);
  const parts = {
    engine: engine.name,
    major,
    superuser: asAdmin(draft).user,
    database: draft.database,
    template: template.name,
    templateDigest: digestOf(template),
    identity,
  };
  return { ...spareKey(parts), engine: engine.name, major };
}

/**
 * Gives the recorded, not yet created instance a matching spare: its data, and the password
 * its superuser was made with (fresh, known to no other instance). Stale spares of the same
 * slot are discarded on the way. False when there is none (the create initialises as usual).
 */
export async function takeSpare(ctx: Context, engine: Engine, instance: Instance): Promise<boolean> {
  if (!engine.spareIdentity || !engine.placeSpare || !engine.discardSpare) return false;
  const store = new SpareStore(ctx.home.dir);
  try {
    const want = await spareWant(engine, instance);
    const { records } = await store.list();
    const { use, stale } = pickSpare(records, want);
    const keep = use || stale.length ? await inUse(ctx, store) : new Set<string>();
    for (const old of stale) {
      const claimed = await store.claim(old.id);
      if (!claimed) continue;
      // Never an instance's data, whatever a record says (records are root's, but data is worth the check).
      if (keep.has(claimed.location)) {
        await store.drop(old.id);
        continue;
      }
      ctx.talk.info(
        `discarding a stale spare (${old.engine}, PostgreSQL ${old.major}: built by other binaries, image or template)`,
      );
      await engine.discardSpare(claimed.location).catch(() => {});
      await store.drop(old.id);
    }
    const spare = use && (await store.claim(use.id));
    if (!spare) return false;
    if (keep.has(spare.location)) {
      await store.drop(spare.id); // a record naming an instance's data: never shared, never discarded
      return false;
    }
    try {
      if (instance.admin) instance.admin = { ...instance.admin, password: spare.password };
      else instance.password = spare.password;
      await engine.placeSpare(instance, spare.location);
      // Before the record of the spare goes: the data (docker: data_volume) is then the instance's by its record.
      await ctx.registry.save(instance);
      return true;
    } catch (e) {
      ctx.talk.info(`spare ${spare.id} could not be used (${(e as Error).message}); initialising instead`);
      await engine.discardSpare(spare.location).catch(() => {});
      return false;
    } finally {
      await store.drop(spare.id);
    }
  } catch (e) {
    ctx.talk.info(`spares: ${(e as Error).message}; initialising instead`);
    return false;
  }
}

/**
 * How this program runs itself: a single executable has its own path as argv[1] too (Node
 * repeats it for SEA), a checkout or npm install is node plus the entry script.
 */
function selfCommand(): [string, string[]] {
  const script = process.argv[1];
  const sea = script === undefined || script === process.argv[0] || resolve(script) === process.execPath;
  return [process.execPath, sea ? [] : [script]];
}

/** Starts the builder of the next spare, detached (its own session, no stdio): the create returns at once. */
export async function startSpareBuilder(ctx: Context, engine: Engine, opts: CreateOptions): Promise<void> {
  if (!engine.buildSpare) return;
  const store = new SpareStore(ctx.home.dir);
  await store.ensure();
  const job: SpareJob = {
    engine: engine.name,
    template: opts.template,
    pgVersion: opts.pgVersion,
    pgBin: opts.pgBin,
    image: opts.image,
    appRole: opts.appRole,
    epoch: await store.epoch(),
  };
  const [command, args] = selfCommand();
  const child = spawn(command, [...args, SPARE_BUILDER_ARG, JSON.stringify(job)], {
    detached: true,
    stdio: 'ignore',
    env: { ...ctx.env, RESOURCE_POSTGRES_HOME: ctx.home.dir },
  });
  child.on('error', () => {}); // a speed-up only: never the create's failure
  child.unref();
}
