import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';
import { imageForMajor } from '../../src/core/defaults.js';
import { majorOfServerVersion, parseMajor, SUPPORTED_MAJORS } from '../../src/core/pg-version.js';
import { declaredMajor } from '../../src/engines/docker/image-major.js';
import { usesRuntime } from '../../src/commands/versions/users.js';
import type { Instance } from '../../src/core/instance.js';

const penv = { env: {}, homeInUse: () => '/tmp/home' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('PostgreSQL majors', () => {
  it('supports 15 to 18, nothing else', () => {
    expect(SUPPORTED_MAJORS).toEqual(['15', '16', '17', '18']);
    expect(parseMajor('15')).toBe('15');
    expect(parseMajor(' 18 ')).toBe('18');
    for (const bad of ['14', '19', '16.2', 'sixteen', '', '016']) expect(parseMajor(bad)).toBeUndefined();
  });

  it.each([
    ['16.14', '16'],
    ['17.2 (Debian 17.2-1.pgdg120+1)', '17'],
    ['150018', '15'],
    ['9.6.24', '9.6'],
    ['90624', '9.6'],
    ['18beta1', '18'],
  ])('server version %s is major %s', (v, major) => {
    expect(majorOfServerVersion(v)).toBe(major);
  });

  it('names an unknown server version as such', () => {
    expect(majorOfServerVersion('devel')).toBeUndefined();
  });

  it('maps a major to its official alpine image', () => {
    expect(imageForMajor('15')).toBe('postgres:15-alpine');
  });

  it('reads the major an image declares in PG_MAJOR', () => {
    expect(declaredMajor({ Env: ['PATH=/usr/bin', 'PG_MAJOR=15', 'PG_VERSION=15.10'] })).toBe('15');
    expect(declaredMajor({ Env: ['PATH=/usr/bin'] })).toBeUndefined();
    expect(declaredMajor({ Env: ['PG_MAJOR=$(rm -rf /)'] })).toBeUndefined();
    expect(declaredMajor(undefined)).toBeUndefined();
  });
});

describe('--pg-version and versions argv', () => {
  it.each([
    ['manage start --pg-version 15', { pgVersion: '15' }],
    ['manage start --instance x --engine native --pg-version 18', { pgVersion: '18', engine: 'native' }],
    ['start --pg-version 17', { pgVersion: '17' }],
    ['manage install --pg-version 16', { pgVersion: '16' }],
    ['manage start', { pgVersion: undefined }],
    ['versions list', { action: 'list' }],
    ['versions install 17', { action: 'install', major: '17' }],
    ['versions remove 15', { action: 'remove', major: '15' }],
    ['versions install 17 --dry-run', { action: 'install', major: '17', dryRun: true }],
    ['versions remove 15 --dry-run', { action: 'remove', major: '15', dryRun: true }],
  ])('%s', async (line, options) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('run');
    if (inv.kind === 'run') expect(inv.options).toMatchObject(options);
  });

  it.each([
    ['manage start --pg-version 14', /--pg-version must be a PostgreSQL major: 15, 16, 17, 18; not "14"/],
    ['manage start --pg-version 16.2', /not "16\.2"/],
    ['manage start --pg-version --force', /--pg-version needs a value/],
    ['versions install 19', /MAJOR must be a PostgreSQL major: 15, 16, 17, 18; not "19"/],
    ['versions remove latest', /not "latest"/],
    ['versions install', /Not enough|major/i],
    ['versions', /name a versions verb/],
  ])('%s is refused', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
  });

  it('lists versions in help and in completion', async () => {
    const help = await parse('--help');
    expect(help.kind === 'print' && help.text).toMatch(/versions\s+PostgreSQL majors/);
    const verbs = await parse('--get-yargs-completions versions ');
    expect(verbs.kind === 'print' && verbs.text.split('\n')).toEqual(
      expect.arrayContaining(['list', 'install', 'remove']),
    );
    const flags = await parse('--get-yargs-completions manage start --pg');
    expect(flags.kind === 'print' && flags.text).toMatch(/--pg-version/);
  });
});

describe('which instances use a runtime', () => {
  const base = { name: 'a', engine: 'native', version: '15', extra: {} } as unknown as Instance;
  it('counts native instances of that major that resolve their binaries, or point into the runtime', () => {
    expect(usesRuntime(base, '15', '/rt/15')).toBe(true);
    expect(usesRuntime({ ...base, pgBin: '/rt/15/bin' }, '15', '/rt/15')).toBe(true);
    expect(usesRuntime({ ...base, pgBin: '/usr/lib/postgresql/15/bin' }, '15', '/rt/15')).toBe(false);
    expect(usesRuntime({ ...base, pgBin: '/rt/15-other/bin' }, '15', '/rt/15')).toBe(false);
    expect(usesRuntime({ ...base, version: '16' }, '15', '/rt/15')).toBe(false);
    expect(usesRuntime({ ...base, engine: 'docker' }, '15', '/rt/15')).toBe(false);
  });
});
