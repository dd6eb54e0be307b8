import { CliError, usageError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { majorOf, REQUIRE_AUTH_MAJOR } from '../../core/replica.js';
import type { StartOptions } from '../options.js';

/**
 * What `manage start --instance R --replica-of P` may ask for. A replica is a physical copy of
 * P: same engine, same major, same template, same roles and databases. Flags that would make
 * it anything else are refused before anything is made. Pure.
 */
export function replicaRequestProblem(
  primary: Instance,
  opts: StartOptions & { replicaOf: string },
): CliError | undefined {
  const p = primary.name;
  if (primary.replicaOf)
    return usageError(
      `instance ${p} is itself a replica (of ${primary.replicaOf}); replicas are made from a primary`,
      `replicate from ${primary.replicaOf}: --replica-of ${primary.replicaOf}`,
    );
  if (opts.engine !== 'auto' && opts.engine !== primary.engine)
    return usageError(
      `--engine ${opts.engine} differs from the engine of instance ${p} (${primary.engine}): a replica runs on its primary's engine`,
      `leave out --engine, or pass --engine ${primary.engine}`,
    );
  const major = primary.version?.split('.')[0];
  if (opts.pgVersion && major && opts.pgVersion !== major)
    return usageError(
      `--pg-version ${opts.pgVersion} differs from the major of instance ${p} (${major}): streaming replication needs the same major`,
      `leave out --pg-version, or pass --pg-version ${major}`,
    );
  if (primary.engine === 'native' && (majorOf(primary.version) ?? 0) < REQUIRE_AUTH_MAJOR)
    return usageError(
      `instance ${p} runs PostgreSQL ${primary.version ?? '(unknown major)'}: native replicas need PostgreSQL ${REQUIRE_AUTH_MAJOR} or newer, whose replicas insist on SCRAM (require_auth); before it, whoever took ${p}'s port while it is down could read the replication password`,
      `upgrade it first: resource-postgres manage upgrade --instance ${p} --pg-version ${REQUIRE_AUTH_MAJOR}; or use a docker instance, whose replicas reach their primary over a private network`,
    );
  if (opts.template && opts.template !== primary.template)
    return usageError(
      `--template ${opts.template} differs from the template of instance ${p} (${primary.template}): a replica keeps its primary's settings`,
      'leave out --template',
    );
  for (const [flag, given] of [
    ['--extensions', opts.extensions],
    ['--app-role', opts.appRole],
  ] as const) {
    if (given !== undefined)
      return usageError(
        `${flag} cannot be used with --replica-of: a replica is read-only and has exactly what ${p} has`,
        `leave out ${flag}; change ${p} instead, and the replica follows`,
      );
  }
  if (opts.all)
    return usageError(
      '--replica-of makes one new instance: name it with --instance, not --all',
      'e.g. --instance main_replica --replica-of main',
    );
  if (opts.instance === p)
    return usageError(`instance ${p} cannot replicate itself`, 'name a new instance with --instance');
  return undefined;
}

/** The primary must answer and keep WAL fit for streaming. */
export function primaryFactsProblem(
  name: string,
  facts: { walLevel: string; maxWalSenders: number; inRecovery: boolean; userTablespaces?: number },
): CliError | undefined {
  // A copy of pg_tblspc would point R at P's own tablespace directories (native), or lose them (docker).
  if (facts.userTablespaces)
    return new CliError(
      'failed',
      `instance ${name} has ${facts.userTablespaces} tablespace(s) of its own: replicas copy only instances without tablespaces`,
      {
        hint: `move its tables to pg_default (ALTER TABLE ... SET TABLESPACE pg_default), drop the tablespaces, and retry`,
      },
    );
  if (facts.inRecovery)
    return new CliError('failed', `instance ${name} is in recovery (a standby): it cannot be a primary`, {
      hint: 'replicate from the primary it follows',
    });
  if (facts.walLevel === 'minimal' || facts.maxWalSenders < 1)
    return new CliError(
      'failed',
      `instance ${name} runs with wal_level=${facts.walLevel} and max_wal_senders=${facts.maxWalSenders}: it cannot stream to a replica`,
      {
        hint: `set wal_level = replica and max_wal_senders >= 2 on it (ALTER SYSTEM, then resource-postgres manage restart --instance ${name}), or use a template that keeps them (not testing)`,
      },
    );
  return undefined;
}

/** An existing instance may only be the replica of P asked for (then it is started as it is). */
export function sameReplicaProblem(existing: Instance, replicaOf: string): CliError | undefined {
  if (existing.replicaOf === replicaOf) return undefined;
  const now = existing.replicaOf ? `a replica of ${existing.replicaOf}` : 'not a replica';
  return new CliError(
    'conflict',
    `instance ${existing.name} already exists and is ${now}: it cannot become a replica of ${replicaOf}`,
    {
      hint: `choose another --instance for a new replica of ${replicaOf}, or start it as it is: resource-postgres manage start --instance ${existing.name}`,
    },
  );
}
