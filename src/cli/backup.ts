import type { Argv } from 'yargs';
import * as opt from './args.js';
import { BACKUP_DIR_ENV, type BackupOptions } from '../commands/backup/options.js';
import { parseAge } from '../commands/backup/retention.js';
import { validateBackupName } from '../commands/backup/manifest.js';
import { DURATION_EXAMPLES } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import { validateInstanceName } from '../core/instance.js';
import { validateIdentifier } from '../postgres/identifiers.js';

/** `backup <verb>`: flags in, one options object per verb out (see commands/backup/options.ts). */

const common = {
  'backup-dir': opt.str(
    `keep backups under DIR/<instance>/ instead of <home>/<instance>/backups/ (or ${BACKUP_DIR_ENV})`,
  ),
};
const pgBin = { 'pg-bin': opt.str('a bin directory with pg_dump/pg_restore/psql (native engine, logical method)') };
const dryRun = { 'dry-run': opt.dryRunOpt };
const nameArg = (describe: string) => (c: Argv) => c.positional('name', { type: 'string', describe });

const instanceOf = (a: opt.Args, key = 'instance') => {
  const v = opt.value(a, key);
  return v === undefined ? undefined : validateInstanceName(v);
};
const base = (a: opt.Args) => ({ backupDir: opt.value(a, 'backup-dir') });
const backupName = (a: opt.Args) => validateBackupName(opt.value(a, 'name', 'the backup NAME'));

function create(a: opt.Args, defaultInstance: string): BackupOptions {
  const database = opt.value(a, 'database');
  if (database !== undefined && a['all-databases'])
    throw usageError(
      '--database and --all-databases exclude each other',
      'give one database with --database DB, or leave both out for every database',
    );
  const name = opt.value(a, 'name');
  return {
    ...base(a),
    action: 'create',
    instance: instanceOf(a) ?? validateInstanceName(defaultInstance),
    database: database === undefined ? undefined : validateIdentifier(database),
    name: name === undefined ? undefined : validateBackupName(name),
    method: a.method as 'logical' | 'physical' | undefined,
    pgBin: opt.value(a, 'pg-bin'),
    dryRun: Boolean(a['dry-run']),
  };
}

function prune(a: opt.Args): BackupOptions {
  const keep = a.keep;
  const olderThan = opt.value(a, 'older-than');
  if ((keep === undefined) === (olderThan === undefined))
    throw usageError(
      'backup prune needs exactly one of --keep N or --older-than AGE',
      'e.g. backup prune --keep 7, or backup prune --older-than 7d',
    );
  if (keep !== undefined && (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 0))
    throw usageError(`--keep must be a whole number, not ${JSON.stringify(String(keep))}`, 'e.g. --keep 7');
  if (olderThan !== undefined) parseAge(olderThan);
  return {
    ...base(a),
    action: 'prune',
    instance: instanceOf(a),
    keep: keep as number | undefined,
    olderThan,
    dryRun: Boolean(a['dry-run']),
  };
}

export function backupCommands(y: Argv, defaultInstance: string, run: opt.Run): Argv {
  const inst = (d?: string) => ({ instance: opt.instanceOpt(d) });
  return y
    .command(
      'create',
      'Back up an instance: roles plus every database (logical, pg_dump custom format), or the whole data directory (physical)',
      (c) =>
        c.options({
          ...inst(defaultInstance),
          database: opt.str('only this database (roles are always included)'),
          'all-databases': opt.flag('every database (the default)'),
          name: opt.str('backup name (default <instance>-<UTC time>)'),
          method: {
            type: 'string',
            choices: ['logical', 'physical'],
            describe: 'logical (default; needs pg_dump) or physical (native: the low-level base backup API)',
            requiresArg: true,
          },
          ...pgBin,
          ...common,
          ...dryRun,
        }),
      run('backup', (a) => create(a, defaultInstance)),
    )
    .command(
      'list',
      'Backups of every instance (or --instance), with incomplete ones marked',
      (c) => c.options({ ...inst(), ...common }),
      run('backup', (a) => ({ ...base(a), action: 'list', instance: instanceOf(a) })),
    )
    .command(
      'restore <name>',
      'Restore a backup into its instance (--force), another instance, or a new one (--to-instance)',
      (c) =>
        nameArg('backup name')(c).options({
          ...inst(),
          'to-instance': opt.str('restore into a NEW instance (a clone); the source is untouched'),
          database: opt.str('only this database of the backup (logical)'),
          force: opt.forceOpt('replace existing data without asking'),
          ...pgBin,
          ...common,
          ...dryRun,
        }),
      run('backup', (a) => ({
        ...base(a),
        action: 'restore',
        name: backupName(a),
        instance: instanceOf(a),
        toInstance: instanceOf(a, 'to-instance'),
        database: opt.value(a, 'database'),
        force: Boolean(a.force),
        pgBin: opt.value(a, 'pg-bin'),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'verify <name>',
      'Re-check every file of a backup against its sha256; --restore-test also restores it into a throwaway instance',
      (c) =>
        nameArg('backup name')(c).options({
          ...inst(),
          'restore-test': opt.flag('restore into a throwaway instance and compare per-table row counts'),
          ...pgBin,
          ...common,
        }),
      run('backup', (a) => ({
        ...base(a),
        action: 'verify',
        name: backupName(a),
        instance: instanceOf(a),
        restoreTest: Boolean(a['restore-test']),
        pgBin: opt.value(a, 'pg-bin'),
      })),
    )
    .command(
      'prune',
      'Remove old backups: keep the N newest per instance, or remove those older than an age; also clears dead incomplete ones',
      (c) =>
        c.options({
          ...inst(),
          keep: { type: 'number', describe: 'keep the N newest complete backups per instance', requiresArg: true },
          'older-than': opt.str(`remove backups finished longer ago than this (${DURATION_EXAMPLES})`),
          ...common,
          ...dryRun,
        }),
      run('backup', prune),
    )
    .command(
      'remove <name>',
      'Remove one backup (without a TTY, requires --force)',
      (c) =>
        nameArg('backup name')(c).options({
          ...inst(),
          force: opt.forceOpt('confirm without a TTY'),
          ...common,
          ...dryRun,
        }),
      run('backup', (a) => ({
        ...base(a),
        action: 'remove',
        name: backupName(a),
        instance: instanceOf(a),
        force: Boolean(a.force),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .demandCommand(1, 'name a backup verb: create, list, restore, verify, prune or remove');
}
