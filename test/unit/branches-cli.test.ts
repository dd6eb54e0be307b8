import { describe, expect, it } from 'vitest';
import { parseFromSpec } from '../../src/cli/from-spec.js';
import { parseArgv } from '../../src/cli/program.js';

const penv = { env: {}, homeInUse: () => '/tmp/home' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('--from SRC[@SNAPSHOT]', () => {
  it.each([
    ['main', { instance: 'main' }],
    ['main@before_migration', { instance: 'main', snapshot: 'before_migration' }],
    ['app-1@2026_12_01', { instance: 'app-1', snapshot: '2026_12_01' }],
  ])('%s', (given, spec) => {
    expect(parseFromSpec(given)).toEqual(spec);
  });

  it.each([
    ['@snap', /names no instance/],
    ['main@', /no snapshot after "@"/],
    ['main@Bad', /invalid snapshot name "Bad"/],
    ['main@a@b', /invalid snapshot name "a@b"/],
    ['../x@snap', /invalid instance name/],
    ['ma in', /invalid instance name/],
  ])('%j is refused, naming the rule', (given, message) => {
    expect(() => parseFromSpec(given)).toThrow(message);
  });
});

describe('branch and instance-snapshot argv -> options', () => {
  it.each([
    ['manage start --instance feat --from main', { instance: 'feat', from: { instance: 'main' } }],
    [
      'manage start --instance feat --from main@base --port 5480',
      { instance: 'feat', from: { instance: 'main', snapshot: 'base' }, port: 5480 },
    ],
    ['snapshot create base', { action: 'create', level: 'database' }],
    ['snapshot create base --level instance', { action: 'create', level: 'instance', database: undefined }],
    ['snapshot create base --level database --database shop', { level: 'database', database: 'shop' }],
  ])('%s', async (line, options) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('run');
    if (inv.kind === 'run') expect(inv.options).toMatchObject(options);
  });

  it('a plain start has no --from', async () => {
    const inv = await parse('manage start --instance plain');
    expect(inv.kind === 'run' && 'from' in (inv.options as object)).toBe(false);
  });

  it.each([
    ['manage start --all --from main', /cannot be used with --all/],
    ['manage start --instance x --from main@', /no snapshot after/],
    ['manage start --instance r --from main --replica-of main', /cannot be combined/],
    ['snapshot create base --level instance --database shop', /--level instance snapshots all of them/],
    ['snapshot create base --level cluster', /level/],
  ])('%s is refused before anything runs', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
  });
});
