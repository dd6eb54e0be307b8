import type { Options } from 'yargs';
import { usageError } from '../core/errors.js';
import { validateInstanceName } from '../core/instance.js';
import { validateSnapshotName } from '../postgres/snapshot-names.js';
import { type Args, value } from './args.js';

/**
 * `manage start --from SRC[@SNAPSHOT]`: the instance a new one copies, and optionally one of
 * its snapshots. Both parts are checked here, before anything is looked up or created.
 */
export interface FromSpec {
  instance: string;
  snapshot?: string;
}

export function parseFromSpec(given: string): FromSpec {
  const at = given.indexOf('@');
  const instance = at < 0 ? given : given.slice(0, at);
  const snapshot = at < 0 ? undefined : given.slice(at + 1);
  if (instance === '' || snapshot === '')
    throw usageError(
      `--from ${JSON.stringify(given)} names ${instance === '' ? 'no instance' : 'no snapshot after "@"'}`,
      'use --from SRC (an instance) or --from SRC@SNAPSHOT (one of its snapshots), e.g. --from main@before_migration',
    );
  return {
    instance: validateInstanceName(instance),
    ...(snapshot === undefined ? {} : { snapshot: validateSnapshotName(snapshot) }),
  };
}

export const fromOpt = {
  type: 'string',
  describe:
    "a new instance with the roles and data of instance SRC (--from SRC), or of SRC's database-level snapshot (--from SRC@SNAPSHOT); its own port, passwords and system identifier",
  requiresArg: true,
} satisfies Options;

/** --from SRC[@SNAPSHOT]: one new instance, so not with --all. */
export function fromOption(a: Args): { from?: FromSpec } {
  const given = value(a, 'from');
  if (given === undefined) return {};
  if (a.all)
    throw usageError('--from makes one new instance; it cannot be used with --all', 'name it with --instance NEW');
  if (value(a, 'replica-of') !== undefined)
    throw usageError(
      '--from and --replica-of cannot be combined: a replica is always a copy of its primary',
      'use --replica-of P alone for a streaming copy, or --from SRC alone for an independent one',
    );
  return { from: parseFromSpec(given) };
}
