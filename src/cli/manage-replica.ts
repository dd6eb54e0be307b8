import type { Argv, Options } from 'yargs';
import { usageError } from '../core/errors.js';
import { validateInstanceName } from '../core/instance.js';
import { type Args, instanceName, instanceOpt, positiveNumber, type Run, timeoutOpt, value } from './args.js';

/** `manage promote`: a streaming replica becomes a writable instance of its own (manage only). */
export function promoteVerb(defaultInstance: string, run: Run) {
  return {
    name: 'promote',
    describe:
      'Promote a streaming replica (made with --replica-of) to a writable instance; drops its slot on the primary when that answers',
    builder: (c: Argv) =>
      c.options({
        instance: instanceOpt(defaultInstance),
        timeout: timeoutOpt('seconds to wait for the promotion (default 60)'),
      }),
    handler: run('manage.promote', (a: Args) => ({
      instance: instanceName(a),
      timeoutSec: positiveNumber(a, 'timeout'),
    })),
  };
}

/** `manage start --replica-of P` (streaming replicas). */
export const replicaOfOpt = {
  type: 'string',
  describe: 'make the new instance a streaming replica (read-only) of this running instance',
  requiresArg: true,
} satisfies Options;

/** --replica-of P: an instance name, checked like --instance. */
export function replicaOf(a: Args): { replicaOf?: string } {
  const given = value(a, 'replica-of');
  if (given === undefined) return {};
  try {
    return { replicaOf: validateInstanceName(given) };
  } catch (e) {
    throw usageError(
      `--replica-of: ${(e as Error).message}`,
      'name the running instance to replicate, e.g. --replica-of main',
    );
  }
}
