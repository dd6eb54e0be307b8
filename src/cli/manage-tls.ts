import { usageError } from '../core/errors.js';
import type { Args } from './args.js';

/** Optional in yargs so that a missing action gets this message instead of yargs' count of arguments. */
export function tlsAction(a: Args): 'enable' | 'disable' | 'rotate' {
  if (a.action === undefined)
    throw usageError(
      'name a tls action: enable, disable or rotate',
      'e.g. resource-postgres manage tls enable --instance main',
    );
  return a.action as 'enable' | 'disable' | 'rotate';
}
