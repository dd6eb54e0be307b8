import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { StartOptions } from '../options.js';
import { replicaRequestProblem, sameReplicaProblem } from './checks.js';

type ReplicaRequest = StartOptions & { replicaOf: string };

/** P of `manage start --replica-of P`, recorded here and fit for the request; else the refusal. */
export async function requestedPrimary(ctx: Context, opts: ReplicaRequest): Promise<Instance> {
  const primary = await ctx.registry.find(opts.replicaOf);
  if (!primary)
    throw new CliError('not-found', `no instance ${opts.replicaOf} in ${ctx.home.dir} to replicate`, {
      hint: `create and start it first: resource-postgres manage start --instance ${opts.replicaOf}`,
    });
  const problem = replicaRequestProblem(primary, opts);
  if (problem) throw problem;
  return primary;
}

/**
 * What --dry-run says for `manage start --replica-of P`: the same refusals as the real run
 * (an instance that is not a replica of P, a missing or unfit P), never "would create" for a
 * request that would be refused. Asks no server.
 */
export async function planReplica(ctx: Context, opts: ReplicaRequest, existing: Instance | undefined): Promise<string> {
  if (existing) {
    const problem = sameReplicaProblem(existing, opts.replicaOf);
    if (problem) throw problem;
    return `would start instance ${existing.name} (replica of ${opts.replicaOf}, ${existing.engine}, port ${existing.port}) if it is not running`;
  }
  const primary = await requestedPrimary(ctx, opts);
  return `would create instance ${opts.instance} as a streaming replica of ${primary.name} (${primary.engine}, PostgreSQL ${primary.version ?? 'of its image'}) and start it`;
}
