import type { Argv } from 'yargs';
import { usageError } from '../core/errors.js';
import {
  type Args,
  dryRunOpt,
  instanceName,
  instanceOpt,
  positiveNumber,
  type Run,
  timeoutOpt,
  value,
} from './args.js';

/**
 * `manage upgrade --pg-version MAJOR`: registered under manage only (the top-level verbs are
 * the platform's lifecycle). The major is checked against the known ones by the command, so
 * an unknown major is refused with the list, like the other checks of the request.
 */
/** --pg-version of upgrade: a major such as 17 (checked against the known majors by the command). */
function pgMajor(a: Args): number {
  const v = value(a, 'pg-version');
  if (v === undefined)
    throw usageError(
      'manage upgrade needs --pg-version MAJOR',
      'e.g. resource-postgres manage upgrade --pg-version 17',
    );
  if (!/^\d{1,3}$/.test(v.trim()))
    throw usageError(
      `--pg-version must be a PostgreSQL major such as 17, not ${JSON.stringify(v)}`,
      'e.g. --pg-version 17',
    );
  return Number(v);
}

/** `manage upgrade`: only under manage (the top-level verbs are the platform's lifecycle). */
export function upgradeVerb(defaultInstance: string, run: Run) {
  return {
    name: 'upgrade',
    describe:
      'Upgrade an instance to a newer PostgreSQL major (dump and restore; the old data is kept; rolls back on failure)',
    builder: (c: Argv) =>
      c.options({
        instance: instanceOpt(defaultInstance),
        'pg-version': { type: 'string', describe: 'the major to upgrade to (e.g. 17)', requiresArg: true },
        image: {
          type: 'string',
          describe: "docker: the new major's image (default postgres:<major>-alpine)",
          requiresArg: true,
        },
        timeout: timeoutOpt('seconds to wait for each server to answer'),
        'dry-run': dryRunOpt,
      }),
    handler: run('manage.upgrade', (a) => ({
      instance: instanceName(a),
      pgVersion: pgMajor(a),
      image: value(a, 'image'),
      timeoutSec: positiveNumber(a, 'timeout'),
      dryRun: Boolean(a['dry-run']),
    })),
  };
}
