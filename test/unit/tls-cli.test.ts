import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';

const penv = { env: {}, homeInUse: () => '/tmp/home-in-use' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('TLS and tool-format flags', () => {
  it.each([
    ['manage start --tls', 'manage.start', { tls: true, tlsRequire: false }],
    ['manage start --tls-require', 'manage.start', { tls: true, tlsRequire: true }],
    ['start --instance x --tls', 'manage.start', { instance: 'x', tls: true }],
    ['manage tls enable --instance a --require', 'manage.tls', { instance: 'a', action: 'enable', require: true }],
    ['manage tls rotate --no-require', 'manage.tls', { instance: 'main', action: 'rotate', require: false }],
    ['manage tls disable --dry-run', 'manage.tls', { action: 'disable', require: undefined, dryRun: true }],
    ['credentials --format pgpass --out /d', 'credentials', { toolFormat: 'pgpass', out: '/d' }],
    [
      'credentials --all --format service --passfile /p',
      'credentials',
      { all: true, toolFormat: 'service', passfile: '/p' },
    ],
    ['credentials --format json', 'credentials', { toolFormat: undefined, out: undefined }],
  ])('%s', async (line, command, options) => {
    const inv = await parse(line);
    expect(inv).toMatchObject({ kind: 'run', command, options });
  });

  it.each([
    ['manage tls frob', /invalid action "frob"/],
    ['manage tls', /name a tls action: enable, disable or rotate/],
    ['credentials --out /d', /--out works with --format pgpass/],
    ['tls enable', /unknown command|tls/],
  ])('%s is refused', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
  });
});
