import type { Argv, CommandModule } from 'yargs';
import { usageError } from '../core/errors.js';
import * as opt from './args.js';

/**
 * `versions install-extension MAJOR DIR`: one yargs command module, registered in the
 * `versions` group (cli/versions.ts lists, installs and removes the majors themselves).
 */
export function installExtensionCommand(run: opt.Run): CommandModule<object, opt.Args> {
  return {
    command: 'install-extension <major> <dir>',
    describe:
      "Add an extension to a major's native runtime: DIR/lib/*.so and DIR/share/extension/* (e.g. pgvector built for 17)",
    builder: (y: Argv) =>
      y
        .positional('major', { type: 'string', describe: 'PostgreSQL major (15, 16, 17, 18)' })
        .positional('dir', { type: 'string', describe: 'directory laid out as lib/*.so and share/extension/*' })
        .options({ 'dry-run': opt.dryRunOpt }) as unknown as Argv<opt.Args>,
    handler: run('versions.install-extension', (a) => {
      const major = String(a.major ?? '');
      if (!/^\d{1,2}$/.test(major))
        throw usageError(
          `MAJOR must be a PostgreSQL major such as 17, not ${JSON.stringify(major)}`,
          'e.g. versions install-extension 17 ./pgvector-17',
        );
      const dir = opt.value(a, 'dir', 'DIR');
      if (dir === undefined)
        throw usageError('versions install-extension needs a DIR', 'e.g. versions install-extension 17 ./pgvector-17');
      return { major, dir, dryRun: Boolean(a['dry-run']) };
    }),
  };
}

/** Until the full `versions` group is merged in: the group with only this subcommand. */
export function versionsExtensionOnly(y: Argv, run: opt.Run): Argv {
  return y.command(installExtensionCommand(run)).demandCommand(1, 'name a versions verb: install-extension');
}
