import type { Argv } from 'yargs';
import * as opt from './args.js';
import { type ContentAction, type ContentFormat, DEFAULT_MIGRATIONS_DIR } from '../commands/content/options.js';
import { usageError } from '../core/errors.js';
import { validateIdentifier } from '../postgres/identifiers.js';

/** `content <verb>`: flags in, one options object per verb out (see commands/content/options.ts). */

const encodingOpt = opt.str(
  'encoding the SQL is written in until it says otherwise (UTF8, LATIN1, WIN1252, ...; default PGCLIENTENCODING, else UTF8)',
);
const databaseOpt = opt.str("database inside the instance (default: the instance's own database)");

const dbName = (a: opt.Args, key: string, label?: string) => {
  const v = opt.value(a, key, label);
  return v === undefined ? undefined : validateIdentifier(v);
};

function base(a: opt.Args, action: ContentAction, formats: ContentFormat[] = ['text', 'json']) {
  const g = opt.globals(a);
  if (!(formats as string[]).includes(g.format))
    throw usageError(
      `--format ${g.format} is not available for content ${action}`,
      `use ${formats.map((f) => `--format ${f}`).join(' or ')}`,
    );
  return { action, instance: opt.instanceName(a), format: g.format as ContentFormat, quiet: g.quiet };
}

function target(a: opt.Args): number | undefined {
  const v = a.target;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw usageError(
      `--target must be a migration number, not ${JSON.stringify(String(v))}`,
      'e.g. --target 3 (applies 001..003)',
    );
  return v;
}

function execute(a: opt.Args) {
  const sql = [opt.value(a, 'statement', 'the SQL argument'), opt.value(a, 'sql')].filter((s) => s !== undefined);
  const file = opt.value(a, 'file');
  if (sql.length + (file ? 1 : 0) > 1)
    throw usageError(
      'give SQL one way: an argument, --sql, --file or standard input',
      'e.g. content execute "SELECT 1" or content execute --file schema.sql',
    );
  return {
    ...base(a, 'execute', ['text', 'json', 'csv']),
    database: dbName(a, 'database'),
    sql: sql[0],
    file,
    encoding: opt.value(a, 'encoding'),
    dryRun: Boolean(a['dry-run']),
  };
}

function add(a: opt.Args) {
  const name = dbName(a, 'name');
  if (a.type === 'database') {
    if (!name)
      throw usageError('content add --type database needs --name', 'e.g. content add --type database --name app_test');
    return { ...base(a, 'create-database'), database: name, dryRun: Boolean(a['dry-run']) };
  }
  if (name) throw usageError('--name goes with --type database', 'to apply SQL to a database, use --database DB');
  const paths = [opt.value(a, 'path', 'the PATH argument'), opt.value(a, 'file')].filter((s) => s !== undefined);
  if (paths.length !== 1)
    throw usageError(
      paths.length ? 'give one PATH (or --file), not both' : 'content add needs a .sql file or a directory',
      'e.g. content add schema.sql --database app, or content add --type database --name app',
    );
  return {
    ...base(a, 'add'),
    path: paths[0],
    database: dbName(a, 'database'),
    init: Boolean(a.init),
    encoding: opt.value(a, 'encoding'),
    dryRun: Boolean(a['dry-run']),
  };
}

export function contentCommands(y: Argv, defaultInstance: string, run: opt.Run): Argv {
  const inst = { instance: opt.instanceOpt(defaultInstance) };
  const dryRun = { 'dry-run': opt.dryRunOpt };
  return y
    .command(
      'list',
      'Databases of the instance (template0/template1 left out)',
      (c) => c.options(inst),
      run('content', (a) => base(a, 'list')),
    )
    .command(
      'create-database <db>',
      'Create a database (already existing is success); --from DB: a copy of DB (a branch)',
      (c) =>
        c.positional('db', { type: 'string', describe: 'database name' }).options({
          ...inst,
          from: opt.str('copy this database of the instance (CREATE DATABASE ... TEMPLATE)'),
          force: opt.forceOpt('with --from: end the sessions open on the source (the copy needs it unused)'),
          ...dryRun,
        }),
      run('content', (a) => ({
        ...base(a, 'create-database'),
        database: dbName(a, 'db', 'the database name'),
        from: dbName(a, 'from'),
        force: Boolean(a.force),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'add [path]',
      'Apply a .sql file, or every *.sql of a directory in name order; or --type database --name DB',
      (c) =>
        c.positional('path', { type: 'string', describe: '.sql file or directory' }).options({
          ...inst,
          database: databaseOpt,
          file: opt.str('the .sql file or directory (same as PATH)'),
          encoding: encodingOpt,
          init: opt.flag('create the database first when missing'),
          type: {
            type: 'string',
            choices: ['database', 'file'],
            describe: 'what to add (database: create one named --name)',
            requiresArg: true,
          },
          name: opt.str('with --type database: the database to create'),
          ...dryRun,
        }),
      run('content', add),
    )
    .command(
      'get [db]',
      'Connection details for one database (password masked unless --show-secrets)',
      (c) =>
        c
          .positional('db', { type: 'string', describe: "database name (default: the instance's database)" })
          .options({ ...inst, ...opt.secretsOptions }),
      run('content', (a) => ({
        ...base(a, 'get', ['text', 'json', 'env']),
        database: dbName(a, 'db', 'the database name'),
        showSecrets: opt.showSecrets(a),
      })),
    )
    .command(
      'remove <db>',
      "Drop a database, ending its sessions (never the instance's default or postgres)",
      (c) =>
        c
          .positional('db', { type: 'string', describe: 'database name' })
          .options({ ...inst, force: opt.forceOpt('confirm without a TTY'), ...dryRun }),
      run('content', (a) => ({
        ...base(a, 'remove'),
        database: dbName(a, 'db', 'the database name'),
        force: Boolean(a.force),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'execute [statement]',
      'Run SQL (argument, --sql, --file or stdin) and print results like psql; files stream',
      (c) =>
        c
          .positional('statement', { type: 'string', describe: 'SQL to run (several statements allowed)' })
          .options({
            ...inst,
            database: databaseOpt,
            sql: opt.str('SQL to run (use --sql="-- ..." for SQL starting with a dash)'),
            file: opt.str('a .sql file to run, streamed (any size)'),
            encoding: encodingOpt,
            ...dryRun,
          })
          .example('$0 content execute "SELECT now()"', 'one statement, printed like psql')
          .example('$0 content execute --file dump.sql --database app', 'a large file, streamed statement by statement')
          .example('echo "SELECT 1" | $0 content execute --format csv', 'SQL on standard input, rows as CSV'),
      run('content', execute),
    )
    .command(
      'migrate [dir]',
      `Apply numbered migrations NNN_name.sql from DIR (default ./${DEFAULT_MIGRATIONS_DIR}) once each, under a lock`,
      (c) =>
        c.positional('dir', { type: 'string', describe: 'directory of NNN_name.sql files' }).options({
          ...inst,
          database: databaseOpt,
          status: opt.flag('list applied and pending migrations; change nothing'),
          target: { type: 'number', describe: 'stop after this migration number', requiresArg: true },
          ...dryRun,
        }),
      run('content', (a) => ({
        ...base(a, 'migrate'),
        dir: opt.value(a, 'dir', 'the DIR argument') ?? DEFAULT_MIGRATIONS_DIR,
        database: dbName(a, 'database'),
        status: Boolean(a.status),
        dryRun: Boolean(a['dry-run']),
        target: target(a),
      })),
    )
    .demandCommand(1, 'name a content verb: list, add, get, remove, execute, create-database or migrate');
}
