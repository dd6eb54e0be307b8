import type { Argv } from 'yargs';
import { DEFAULTS } from '../core/defaults.js';
import { usageError } from '../core/errors.js';
import { parseMajor, SUPPORTED_MAJORS } from '../core/pg-version.js';
import * as opt from './args.js';

/** `versions <verb>`: the PostgreSQL majors for native instances; flags in, one options object out. */

const majorArg = (describe: string) => (c: Argv) =>
  c.positional('major', { type: 'string', describe: `${describe}: ${SUPPORTED_MAJORS.join(', ')}` });

function major(a: opt.Args): string {
  const given = opt.value(a, 'major', 'MAJOR');
  const m = given === undefined ? undefined : parseMajor(given);
  if (!m)
    throw usageError(
      `MAJOR must be a PostgreSQL major: ${SUPPORTED_MAJORS.join(', ')}; not ${JSON.stringify(String(a.major ?? ''))}`,
      `e.g. resource-postgres versions install ${DEFAULTS.majorVersion}`,
    );
  return m;
}

export function versionsCommands(y: Argv, run: opt.Run): Argv {
  return y
    .command(
      'list',
      'Installed and installable PostgreSQL majors, where each comes from, and the extensions each offers',
      (c) => c,
      run('versions', () => ({ action: 'list' })),
    )
    .command(
      'install <major>',
      'Install the native runtime of a PostgreSQL major (idempotent; reports the time taken)',
      (c) => majorArg('the major')(c).options({ 'dry-run': opt.dryRunOpt }),
      run('versions', (a) => ({ action: 'install', major: major(a), dryRun: Boolean(a['dry-run']) })),
    )
    .command(
      'remove <major>',
      'Remove an installed runtime (refused while an instance uses it; never the bundled package)',
      (c) => majorArg('the major')(c).options({ 'dry-run': opt.dryRunOpt }),
      run('versions', (a) => ({ action: 'remove', major: major(a), dryRun: Boolean(a['dry-run']) })),
    )
    .demandCommand(1, 'name a versions verb: list, install or remove');
}
