import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';

const penv = { env: {}, homeInUse: () => '/tmp/home-in-use' };
const parse = (line: string) => parseArgv(line === '' ? [] : line.split(' '), penv);

describe('argv -> options', () => {
  it.each([
    ['status', 'status', { fast: false, instance: undefined }],
    ['status --json --fast', 'status', { fast: true }],
    ['status --instance app', 'status', { instance: 'app' }],
    [
      'manage start',
      'manage.start',
      { instance: 'main', all: false, engine: 'auto', wait: true, force: false, dryRun: false },
    ],
    [
      'manage start --instance app --port 5440 --template testing --engine native',
      'manage.start',
      { instance: 'app', port: 5440, template: 'testing', engine: 'native' },
    ],
    ['manage start --no-wait --timeout 90 --force', 'manage.start', { wait: false, timeoutSec: 90, force: true }],
    ['manage start --all', 'manage.start', { all: true }],
    ['manage stop --force --timeout 5', 'manage.stop', { force: true, timeoutSec: 5 }],
    ['manage stop', 'manage.stop', { timeoutSec: 30 }],
    ['manage uninstall --force --keep-data', 'manage.uninstall', { instance: undefined, force: true, keepData: true }],
    ['manage uninstall --instance app --force', 'manage.uninstall', { instance: 'app' }],
    ['manage install --verbose', 'manage.install', { instance: 'main', skipValidation: false }],
    ['manage restart --instance x', 'manage.restart', { instance: 'x', all: false }],
    ['credentials --show-sensitive', 'credentials', { showSecrets: true }],
    ['credentials --all --show-secrets', 'credentials', { all: true, showSecrets: true }],
    ['logs --tail 10 --since 5m', 'logs', { instance: 'main', tail: 10, follow: false }],
    ['info --json', 'info', {}],
    ['test smoke --instance app', 'test', { suite: 'smoke', instance: 'app' }],
    ['content list', 'content', { action: 'list' }],
  ])('%s', async (line, command, options) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('run');
    if (inv.kind !== 'run') return;
    expect(inv.command).toBe(command);
    expect(inv.options).toMatchObject(options);
  });

  it.each([
    ['status --json', 'json'],
    ['status --format json', 'json'],
    ['credentials --format env', 'env'],
    ['status', 'text'],
  ])('%s -> format %s', async (line, format) => {
    const inv = await parse(line);
    expect(inv.kind === 'run' && inv.globals.format).toBe(format);
  });

  it.each([
    '',
    'help',
    '--help',
    '-h',
    'manage --help',
    'manage start --help',
    'content --help',
    'test --help',
    'status --help',
  ])('%j prints help', async (line) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('print');
    if (inv.kind === 'print') expect(inv.text).toMatch(/resource-postgres/);
  });

  it('help lists every group, the defaults and the home in use', async () => {
    const inv = await parse('--help');
    const text = inv.kind === 'print' ? inv.text : '';
    for (const word of [
      'info',
      'status',
      'logs',
      'credentials',
      'manage',
      'test',
      'content',
      '5433-5499',
      'postgres:16-alpine',
      'vrooli',
      '/tmp/home-in-use',
    ])
      expect(text).toContain(word);
  });

  it.each([
    ['frobnicate', /unknown command: frobnicate|unknown option or argument: frobnicate/],
    ['status --bogus', /unknown option or argument: --bogus/],
    ['manage explode', /unknown command: manage explode; manage verbs: install, start/],
    ['manage start --instance ../x', /invalid instance name "..\/x"/],
    ['manage start --port 80', /invalid --port "80"/],
    ['manage start --port abc', /invalid --port "abc"/],
    ['manage start --instance', /--instance needs a value/],
    ['manage start --instance --force', /--instance needs a value/],
    ['logs --since yesterday', /invalid --since "yesterday"/],
    ['logs --tail -3', /--tail/],
    ['manage start --engine podman', /Invalid values|podman/],
  ])('%s is a usage error', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
  });
});
