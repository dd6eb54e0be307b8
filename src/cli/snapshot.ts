import type { Argv } from 'yargs';
import * as opt from './args.js';
import type { SnapshotOptions } from '../commands/snapshot/index.js';
import type { SnapshotLevel } from '../commands/snapshot/options.js';
import { usageError } from '../core/errors.js';
import { validateIdentifier } from '../postgres/identifiers.js';
import { validateSnapshotName } from '../postgres/snapshot-names.js';

/** `snapshot create|restore|list|remove`: database-level snapshots inside an instance (commands/snapshot/). */
const nameArg = (c: Argv) =>
  c.positional('name', { type: 'string', describe: 'snapshot name (lower-case letters, digits, "_")' });
const name = (a: opt.Args) => validateSnapshotName(opt.value(a, 'name', 'the snapshot name'));

export function snapshotCommands(y: Argv, defaultInstance: string, run: opt.Run): Argv {
  const inst = { instance: opt.instanceOpt(defaultInstance) };
  const dryRun = { 'dry-run': opt.dryRunOpt };
  return y
    .command(
      'create <name>',
      'Snapshot a database inside its instance (a copy through CREATE DATABASE ... TEMPLATE)',
      (c) =>
        nameArg(c).options({
          ...inst,
          database: opt.str("the database to snapshot (default: the instance's own database)"),
          level: {
            type: 'string',
            choices: ['database', 'instance'],
            default: 'database',
            requiresArg: true,
            describe:
              'database: one database, copied inside the server (default); instance: all data and roles of the instance, kept in the home (restore stops and restarts the instance)',
          },
          force: opt.forceOpt('end the sessions open on the database (PostgreSQL copies only an unused database)'),
          ...dryRun,
        }),
      run('snapshot', (a): SnapshotOptions => {
        const database = opt.value(a, 'database');
        const level = (opt.value(a, 'level') ?? 'database') as SnapshotLevel;
        if (level === 'instance' && database !== undefined)
          throw usageError(
            '--database names one database; --level instance snapshots all of them',
            'leave out --database, or use --level database',
          );
        return {
          action: 'create',
          level,
          instance: opt.instanceName(a),
          name: name(a),
          database: database === undefined ? undefined : validateIdentifier(database),
          force: Boolean(a.force),
          dryRun: Boolean(a['dry-run']),
        };
      }),
    )
    .command(
      'restore <name>',
      "Put the snapshot's database back as it was when taken (ends the database's sessions; says so first)",
      (c) =>
        nameArg(c).options({
          ...inst,
          force: opt.forceOpt('accepted for scripts; a restore always ends the database sessions'),
          ...dryRun,
        }),
      run('snapshot', (a): SnapshotOptions => ({
        action: 'restore',
        instance: opt.instanceName(a),
        name: name(a),
        force: Boolean(a.force),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'list',
      "The instance's snapshots: name, database, when taken, size",
      (c) => c.options(inst),
      run('snapshot', (a): SnapshotOptions => ({ action: 'list', instance: opt.instanceName(a) })),
    )
    .command(
      'remove <name>',
      'Remove a snapshot (the database it was taken of is not touched)',
      (c) =>
        nameArg(c).options({ ...inst, force: opt.forceOpt('accepted for scripts; nothing to confirm'), ...dryRun }),
      run('snapshot', (a): SnapshotOptions => ({
        action: 'remove',
        instance: opt.instanceName(a),
        name: name(a),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .demandCommand(1, 'name a snapshot action: create, restore, list or remove');
}
