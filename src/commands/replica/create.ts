import type { Context } from '../../context.js';
import { CliError, describeError } from '../../core/errors.js';
import { generatePassword, type Instance } from '../../core/instance.js';
import { replicaLinkOf } from '../../core/replica.js';
import type { BackupBracket, Engine } from '../../engines/engine.js';
import { enterBackupMode, type BackupModeSession } from '../../postgres/backup/mode.js';
import { ensureReplicaLink, primaryFacts } from '../../postgres/replication.js';
import { draftInstance, prepareAndRecord } from '../manage/create.js';
import { ensureRunning, type StartOutcome } from '../manage/lifecycle.js';
import { waitReady } from '../manage/ready.js';
import type { StartOptions } from '../options.js';
import { primaryFactsProblem, sameReplicaProblem } from './checks.js';
import { requestedPrimary } from './plan.js';
import { dropLinkOnPrimary } from './slot.js';

export type ReplicaStartOptions = StartOptions & { replicaOf: string; timeoutSec: number };

/**
 * `manage start --instance R --replica-of P`: a new instance R streaming from P (an existing
 * replica R of P is started like any instance: the same command can run every time). R is recorded
 * first (its port), then P gets R's replication role and slot, the engine copies P's data and
 * starts R as a hot standby. Anything failing on the way takes back what this made (R's server,
 * data and record, the slot and role on P): a failed create leaves nothing half-made behind.
 */
export async function startReplica(ctx: Context, opts: ReplicaStartOptions): Promise<StartOutcome> {
  const name = opts.instance;
  const existing = await ctx.registry.find(name);
  // Orchestrators run the same command every time: a replica of P is just started.
  if (existing) {
    const problem = sameReplicaProblem(existing, opts.replicaOf);
    if (problem) throw problem;
    return ensureRunning(ctx, name, opts);
  }
  const primary = await requestedPrimary(ctx, opts);
  const engine = await ctx.engine(primary.engine);
  if (!engine.createReplica)
    throw new CliError('usage', `streaming replicas are not available on the ${engine.name} engine`);
  const draft = replicaDraft(ctx, opts, primary);
  await refuseExistingData(engine, draft);
  const facts = await primaryAnswers(ctx, engine, primary);
  const recorded = await prepareAndRecord(ctx, engine, draft, opts.port);
  if (!recorded.created)
    throw new CliError('conflict', `instance ${name} was just made by another command: it was left alone`, {
      hint: `see it with: resource-postgres status --instance ${name}`,
    });
  let replica = recorded.instance;
  const link = replicaLinkOf(replica, primary);
  ctx.talk.info(`creating instance ${name} as a streaming replica of ${primary.name}, port ${replica.port}`);
  let made = false; // the engine made R's data directory or volume: a failure takes it back
  try {
    await ensureReplicaLink(link);
    // P's files are rewritten from its record: under P's lock, from the record as it is now,
    // so a concurrent change of P (manage tls enable --require) is never reverted.
    await ctx.registry.lockedInstance(primary.name, async () =>
      engine.allowReplication?.(await ctx.registry.get(primary.name)),
    );
    const bracket = backupBracket(primary, name, facts.versionNum);
    await engine.createReplica(replica, link, bracket, ctx.talk.progress, () => (made = true));
    // Engines record what they chose (native data directory, server user).
    await ctx.registry.save(replica);
    await waitReady(ctx, engine, replica, opts.timeoutSec);
  } catch (e) {
    const kept = await undoReplica(ctx, engine, replica, made).catch(
      (u: unknown) => `undo failed: ${describeError(u)}`,
    );
    if (kept) ctx.talk.warn(kept);
    throw e;
  }
  replica = await ctx.registry.get(name);
  return {
    name,
    engine: replica.engine,
    port: replica.port,
    action: 'created',
    ready: true,
    message: `instance ${name} created on ${replica.engine}, port ${replica.port}, streaming from ${primary.name} (read-only), accepting queries`,
  };
}

/** P must run, answer, and keep WAL fit for streaming. */
async function primaryAnswers(ctx: Context, engine: Engine, primary: Instance) {
  const state = await engine.inspect(primary);
  const start = `start it first: resource-postgres manage start --instance ${primary.name}`;
  if (state.state !== 'running')
    throw new CliError('failed', `instance ${primary.name} is not running: a replica copies a running primary`, {
      hint: start,
    });
  const facts = await primaryFacts(primary).catch((e: unknown) => {
    throw new CliError('failed', `instance ${primary.name} does not answer: ${describeError(e)}`, { hint: start });
  });
  const problem = primaryFactsProblem(primary.name, facts);
  if (problem) throw problem;
  return facts;
}

/** R as a copy of P: P's roles, passwords, database and template (they are in the copied data). */
function replicaDraft(ctx: Context, opts: ReplicaStartOptions, primary: Instance): Instance {
  const draft = draftInstance(ctx, opts.instance, { ...opts, template: primary.template }, primary.engine);
  return {
    ...draft,
    image: primary.engine === 'docker' ? (opts.image ?? primary.image) : undefined,
    version: primary.version,
    pgBin: primary.engine === 'native' ? (opts.pgBin ?? primary.pgBin) : undefined,
    user: primary.user,
    password: primary.password,
    admin: primary.admin,
    database: primary.database,
    extensions: primary.extensions,
    replicaOf: primary.name,
    replicationPassword: generatePassword(),
  };
}

/** Backup mode on P held by one session while the engine copies P's data. */
function backupBracket(primary: Instance, replica: string, versionNum: number): BackupBracket {
  let session: BackupModeSession | undefined;
  return {
    async start() {
      session = await enterBackupMode(primary, `resource-postgres replica ${replica}`, versionNum);
    },
    async stop() {
      if (!session) throw new Error('backup mode was never started');
      try {
        const stop = await session.stop();
        return { labelFile: stop.labelFile, spcmapFile: stop.spcmapFile };
      } finally {
        await session.close();
      }
    },
  };
}

/**
 * Nothing may exist yet of the new instance: data left by an uninstall --keep-data, a foreign
 * container or volume of that name. Checked before anything is recorded or made, so a refusal
 * changes nothing (and never deletes what it refused to touch).
 */
async function refuseExistingData(engine: Engine, draft: Instance): Promise<void> {
  const seen = await engine.inspect(draft);
  if (seen.state === 'absent' && !seen.dataExists) return;
  throw new CliError(
    'conflict',
    `instance ${draft.name} has no record but its ${engine.name} server or data already exists: a replica starts from nothing`,
    {
      details: seen.detail,
      hint: `choose another --instance; or, if that data is not needed, take it in and delete it: resource-postgres manage start --instance ${draft.name} && resource-postgres manage uninstall --instance ${draft.name} --force`,
    },
  );
}

/**
 * Takes back a failed create: its slot and role on P, and R's server, data and record, but
 * only what this run made (`made`: the engine built R's data). When removing R's server fails
 * or data it did not make is there, the record stays so nothing is lost track of; the returned
 * note says so.
 */
async function undoReplica(
  ctx: Context,
  engine: Engine,
  replica: Instance,
  made: boolean,
): Promise<string | undefined> {
  await dropLinkOnPrimary(ctx, replica).catch(() => {});
  const keep = (why: string) =>
    `instance ${replica.name} is kept recorded (${why}); remove it with: resource-postgres manage uninstall --instance ${replica.name} --force`;
  if (made) {
    try {
      await engine.remove(replica, { keepData: false });
    } catch (e) {
      return keep(`its half-made server could not be removed: ${describeError(e)}`);
    }
  } else if ((await engine.inspect(replica).catch(() => ({ dataExists: true }))).dataExists) {
    return keep('data this command did not make is there');
  }
  await ctx.registry.remove(replica.name);
  await ctx.ledger.release(replica.port, { home: ctx.home.dir, name: replica.name });
  return undefined;
}
