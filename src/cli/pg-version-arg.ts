import { DEFAULTS } from '../core/defaults.js';
import { usageError } from '../core/errors.js';
import { parseMajor, SUPPORTED_MAJORS } from '../core/pg-version.js';
import { type Args, value } from './args.js';

/** --pg-version: one of the supported majors, checked before anything is done. */
export function pgVersion(a: Args): string | undefined {
  const given = value(a, 'pg-version');
  if (given === undefined) return undefined;
  const major = parseMajor(given);
  if (!major)
    throw usageError(
      `--pg-version must be a PostgreSQL major: ${SUPPORTED_MAJORS.join(', ')}; not ${JSON.stringify(given)}`,
      `e.g. --pg-version ${DEFAULTS.majorVersion}`,
    );
  return major;
}
