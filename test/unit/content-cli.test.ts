import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';

const penv = { env: {}, homeInUse: () => '/tmp/home-in-use' };
const parse = (argv: string[]) => parseArgv(argv, penv);

describe('content argv -> options', () => {
  it.each([
    [['content', 'list'], { action: 'list', instance: 'main', format: 'text' }],
    [['content', 'list', '--json', '--instance', 'app'], { action: 'list', instance: 'app', format: 'json' }],
    [['content', 'create-database', 'app_db'], { action: 'create-database', database: 'app_db', dryRun: false }],
    [
      ['content', 'add', '--type', 'database', '--name', 'app_db', '--dry-run'],
      { action: 'create-database', database: 'app_db', dryRun: true },
    ],
    [['content', 'add', 'schema/'], { action: 'add', path: 'schema/', init: false, database: undefined }],
    [
      ['content', 'add', '--file', 'x.sql', '--database', 'd', '--init'],
      { action: 'add', path: 'x.sql', database: 'd', init: true },
    ],
    [
      ['content', 'get', 'd', '--show-sensitive', '--format', 'env'],
      { action: 'get', database: 'd', showSecrets: true, format: 'env' },
    ],
    [['content', 'get'], { action: 'get', database: undefined, showSecrets: false }],
    [['content', 'remove', 'd', '--force'], { action: 'remove', database: 'd', force: true, dryRun: false }],
    [['content', 'execute', 'SELECT 1; SELECT 2'], { action: 'execute', sql: 'SELECT 1; SELECT 2', file: undefined }],
    [
      ['content', 'execute', '--sql', 'SELECT 1', '--database', 'd', '--format', 'csv'],
      { action: 'execute', sql: 'SELECT 1', database: 'd', format: 'csv' },
    ],
    [['content', 'execute', '--sql=-- comment\nSELECT 1'], { action: 'execute', sql: '-- comment\nSELECT 1' }],
    [['content', 'execute', '--file', 'big.sql'], { action: 'execute', file: 'big.sql', sql: undefined }],
    [['content', 'execute'], { action: 'execute', file: undefined, sql: undefined }],
    [['content', 'migrate'], { action: 'migrate', dir: 'migrations', status: false, dryRun: false, target: undefined }],
    [
      ['content', 'migrate', 'db/migrations', '--status', '--target', '3', '--database', 'app'],
      { action: 'migrate', dir: 'db/migrations', status: true, target: 3, database: 'app' },
    ],
  ])('%j', async (argv, options) => {
    const inv = await parse(argv);
    expect(inv.kind).toBe('run');
    if (inv.kind !== 'run') return;
    expect(inv.command).toBe('content');
    expect(inv.options).toMatchObject(options);
  });

  it.each([
    [['content', 'create-database', 'x"; DROP DATABASE y; --'], /invalid database name/],
    [['content', 'remove', 'bad-name', '--force'], /invalid database name "bad-name"/],
    [['content', 'execute', '--database', 'a b', 'SELECT 1'], /invalid database name/],
    [['content', 'execute', '--sql', '--file', 'x.sql'], /--sql needs a value/],
    [['content', 'execute', '--sql=--file'], /--sql needs a value, not the flag --file/],
    [['content', 'execute', '--file'], /--file needs a value/],
    [['content', 'execute', 'SELECT 1', '--sql', 'SELECT 2'], /give SQL one way/],
    [['content', 'execute', 'SELECT 1', '--format', 'env'], /--format env is not available for content execute/],
    [['content', 'list', '--format', 'csv'], /--format csv is not available for content list/],
    [['content', 'remove'], /Not enough non-option arguments/],
    [['content', 'remove', 'd', '--bogus'], /unknown option or argument: --bogus/],
    [['content', 'add'], /content add needs a .sql file or a directory/],
    [['content', 'add', '--type', 'database'], /needs --name/],
    [['content', 'add', '--name', 'x', 'f.sql'], /--name goes with --type database/],
    [['content', 'add', '--type', 'table', '--name', 'x'], /Invalid values|table/],
    [['content', 'migrate', '--target', '-1'], /--target/],
    [['content', 'migrate', '--target', 'abc'], /--target/],
    [['content', 'frobnicate'], /unknown/],
    [['content', 'list', '--instance', '--force'], /--instance needs a value/],
  ])('%j is a usage error', async (argv, message) => {
    await expect(parse(argv)).rejects.toThrow(message);
  });

  it.each([
    ['content', '--help'],
    ['content', 'execute', '--help'],
    ['content', 'migrate', '--help'],
  ])('%j prints help', async (...argv) => {
    const inv = await parse(argv);
    expect(inv.kind).toBe('print');
  });
});
