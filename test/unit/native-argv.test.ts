import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { initdbArgs, pgCtlArgs, pgCtlStatusState, showCommand } from '../../src/engines/native/argv.js';

const base = { dataDir: '/d/data', user: 'vrooli', pwFile: '/d/run/.initdb-pw-1', major: '16' };

describe('initdbArgs', () => {
  it('asks for scram over TCP, peer on the socket, UTF8, C.UTF-8 and the password file', () => {
    expect(initdbArgs({ ...base, locale: 'C.UTF-8' })).toEqual([
      '--pgdata',
      '/d/data',
      '--username',
      'vrooli',
      '--pwfile=/d/run/.initdb-pw-1',
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-instructions',
    ]);
  });
  it('falls back to --no-locale and leaves out --no-instructions before 14', () => {
    const args = initdbArgs({ ...base, major: '13' });
    expect(args).toContain('--no-locale');
    expect(args.some((a) => a.startsWith('--locale'))).toBe(false);
    expect(args).not.toContain('--no-instructions');
  });
  it('never carries a password: only the path of the file holding it', () => {
    expect(initdbArgs(base).join(' ')).not.toMatch(/pass(word)?=/i);
    expect(Object.keys(base)).not.toContain('password');
  });
});

describe('pgCtlArgs', () => {
  it('start waits with a timeout and redirects the server output to the log', () => {
    expect(pgCtlArgs('start', { dataDir: '/d', logFile: '/l/postgresql.log', timeoutSec: 60 })).toEqual([
      'start',
      '-D',
      '/d',
      '-l',
      '/l/postgresql.log',
      '-w',
      '-t',
      '60',
    ]);
  });
  it('start without a log file is a programming error (pg_ctl would hold our pipes open)', () => {
    expect(() => pgCtlArgs('start', { dataDir: '/d' })).toThrow(/logFile/);
  });
  it('start names the config file outside the data directory, quoted for the sh pg_ctl runs', () => {
    const args = pgCtlArgs('start', {
      dataDir: '/d',
      logFile: '/l',
      timeoutSec: 5,
      configFile: "/h/it's here/pg.conf",
    });
    expect(args.slice(5, 7)).toEqual(['-o', `-c 'config_file=/h/it'\\''s here/pg.conf'`]);
    // What the postmaster gets after pg_ctl's sh splits the -o string.
    const sh = spawnSync('sh', ['-c', 'eval "set -- $1"; printf "%s|" "$@"', 'sh', args[6]!], { encoding: 'utf8' });
    expect(sh.stdout).toBe("-c|config_file=/h/it's here/pg.conf|");
  });
  it('stop is fast, or immediate with force; the timeout is whole seconds, at least 1', () => {
    expect(pgCtlArgs('stop', { dataDir: '/d', timeoutSec: 30 })).toEqual([
      'stop',
      '-D',
      '/d',
      '-m',
      'fast',
      '-w',
      '-t',
      '30',
    ]);
    expect(pgCtlArgs('stop', { dataDir: '/d', timeoutSec: 0.2, force: true })).toEqual([
      'stop',
      '-D',
      '/d',
      '-m',
      'immediate',
      '-w',
      '-t',
      '1',
    ]);
  });
  it('status names only the data directory', () => {
    expect(pgCtlArgs('status', { dataDir: '/d', timeoutSec: 5 })).toEqual(['status', '-D', '/d']);
  });
});

describe('pgCtlStatusState', () => {
  it.each([
    [0, 'running'],
    [3, 'stopped'],
    [4, 'absent'],
    [1, 'unknown'],
    [undefined, 'unknown'],
  ] as const)('exit %s -> %s', (code, state) => {
    expect(pgCtlStatusState(code)).toBe(state);
  });
});

describe('showCommand', () => {
  it('quotes only what needs it', () => {
    expect(showCommand('/bin/pg_ctl', ['start', '-D', '/a b/data', "it's"])).toBe(
      `/bin/pg_ctl start -D '/a b/data' 'it'\\''s'`,
    );
  });
});
