import { describe, expect, it } from 'vitest';
import { parse as parseIni } from 'ini';
import {
  AUTH_QUERY,
  defaultPoolSize,
  renderAuthFile,
  renderPgbouncerIni,
  type PgbouncerIniInput,
} from '../../src/engines/native/pooler/ini.js';
import { lookupFunctionStatements, POOLER_ROLE_ATTRIBUTES } from '../../src/postgres/pooler-auth.js';
import { parsePoolerMode } from '../../src/core/pooler.js';
import { parseInstanceConf, serializeInstanceConf } from '../../src/core/instance-conf.js';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { choosePort } from '../../src/core/ports.js';

/** The pooler's pure parts: PgBouncer's ini and auth_file, the lookup SQL, the recorded fields, its port range. */
const input: PgbouncerIniInput = {
  listenHost: '127.0.0.1',
  listenPort: 6433,
  serverHost: '127.0.0.1',
  serverPort: 5433,
  mode: 'transaction',
  poolSize: 4,
  authFile: '/var/lib/resource-postgres/abc/app/pooler/userlist.txt',
  logFile: '/var/lib/resource-postgres/abc/app/pooler/run/pgbouncer.log',
  pidFile: '/var/lib/resource-postgres/abc/app/pooler/run/pgbouncer.pid',
};

describe('pgbouncer.ini', () => {
  const ini = parseIni(renderPgbouncerIni(input)) as Record<string, Record<string, string>>;

  it('sends every database to the server with the lookup role set on the database, never globally', () => {
    expect(ini.databases!['*']).toBe('host=127.0.0.1 port=5433 auth_user=resource_pooler');
    // A global auth_user hangs PgBouncer 1.18's admin console.
    expect(ini.pgbouncer!.auth_user).toBeUndefined();
  });

  it('authenticates with SCRAM through auth_query and the auth_file, and listens on TCP only', () => {
    const p = ini.pgbouncer!;
    expect(p).toMatchObject({
      listen_addr: '127.0.0.1',
      listen_port: '6433',
      auth_type: 'scram-sha-256',
      auth_file: input.authFile,
      pool_mode: 'transaction',
      default_pool_size: '4',
      logfile: input.logFile,
      pidfile: input.pidFile,
    });
    expect(p.unix_socket_dir).toBe('');
    expect(renderPgbouncerIni(input)).toContain(`auth_query = ${AUTH_QUERY}\n`);
    expect(AUTH_QUERY).toBe('SELECT usename, passwd FROM resource_pooler.lookup($1)');
    expect(p.admin_users).toBeUndefined();
  });

  it('writes the mode asked for and the bind address of the instance', () => {
    const text = renderPgbouncerIni({ ...input, mode: 'session', listenHost: '0.0.0.0', listenPort: 6440 });
    expect(text).toMatch(/^pool_mode = session$/m);
    expect(text).toMatch(/^listen_addr = 0\.0\.0\.0$/m);
    expect(text).toMatch(/^listen_port = 6440$/m);
  });

  it('refuses a value that would break out of its line', () => {
    expect(() => renderPgbouncerIni({ ...input, authFile: '/x\nadmin_users = evil' })).toThrow(/one line/);
    expect(() => renderPgbouncerIni({ ...input, serverHost: '' })).toThrow(/one line/);
  });

  it('quotes the auth_file the way PgBouncer reads it', () => {
    expect(renderAuthFile('resource_pooler', 'a"b')).toBe('"resource_pooler" "a""b"\n');
  });

  it('pools about two server connections per core, between 4 and 20', () => {
    expect([1, 2, 4, 16].map(defaultPoolSize)).toEqual([4, 4, 8, 20]);
  });
});

describe('the lookup function', () => {
  const sql = lookupFunctionStatements('resource_admin');

  it('reads pg_authid as its owner, for the lookup role only, with a fixed search_path', () => {
    const fn = sql.find((s) => s.startsWith('CREATE OR REPLACE FUNCTION'))!;
    expect(fn).toMatch(/SECURITY DEFINER SET search_path = pg_catalog, pg_temp/);
    expect(fn).toMatch(/FROM pg_catalog\.pg_authid/);
    expect(fn).toMatch(/rolcanlogin/);
    expect(sql).toContain('REVOKE ALL ON FUNCTION "resource_pooler".lookup(text) FROM PUBLIC');
    expect(sql).toContain('GRANT EXECUTE ON FUNCTION "resource_pooler".lookup(text) TO "resource_pooler"');
    expect(sql[0]).toBe('CREATE SCHEMA IF NOT EXISTS "resource_pooler" AUTHORIZATION "resource_admin"');
  });

  it('gives the lookup role a login and nothing else', () => {
    expect(POOLER_ROLE_ATTRIBUTES.split(' ')).toEqual(
      expect.arrayContaining(['LOGIN', 'NOSUPERUSER', 'NOCREATEDB', 'NOCREATEROLE', 'NOINHERIT']),
    );
  });
});

describe('pooler fields of instance.conf', () => {
  const base: Instance = {
    name: 'app',
    engine: 'native',
    port: 5440,
    host: '127.0.0.1',
    user: 'vrooli',
    password: new Secret('pw'),
    database: 'vrooli',
    template: 'development',
    created: '2026-01-02T03:04:05.000Z',
    desiredState: 'running',
    pooler: { port: 6433, mode: 'session' },
    extra: {},
  };
  const text = serializeInstanceConf(base);

  it('round-trips', () => {
    expect(text).toMatch(/^pooler_port="6433"$/m);
    expect(parseInstanceConf(text, '/h/app/config/instance.conf').pooler).toEqual({ port: 6433, mode: 'session' });
    expect(parseInstanceConf(serializeInstanceConf({ ...base, pooler: undefined }), 'x').pooler).toBeUndefined();
  });

  it.each([
    ['pooler_port="5433"', /pooler_port must be a number in 6433-6499/],
    ['pooler_port="6433 "', /pooler_port must be/],
    ['pooler_mode="statement"', /pooler_mode must be transaction or session/],
  ])('refuses %s', (line, why) => {
    const key = line.split('=')[0]!;
    const damaged = text.replace(new RegExp(`^${key}=.*$`, 'm'), line);
    expect(() => parseInstanceConf(damaged, 'conf')).toThrow(why);
  });

  it('refuses a port without a mode and a mode without a port', () => {
    expect(() => parseInstanceConf(text.replace(/^pooler_mode=.*\n/m, ''), 'conf')).toThrow(/without pooler_mode/);
    expect(() => parseInstanceConf(text.replace(/^pooler_port=.*\n/m, ''), 'conf')).toThrow(/without pooler_port/);
  });
});

describe('pooler ports and modes', () => {
  it('chooses from the pooler range, skipping claimed ports', async () => {
    const claims = { claimed: new Map([[6433, { kind: 'instance' as const, name: 'a' }]]), published: new Map() };
    const probe = { isFree: async (p: number) => p !== 6434, findListener: async () => undefined };
    expect(await choosePort(claims, probe, undefined, new Set(), { start: 6433, end: 6499 })).toBe(6435);
  });

  it('reads --mode strictly', () => {
    expect(parsePoolerMode(undefined)).toBe('transaction');
    expect(parsePoolerMode('session')).toBe('session');
    expect(() => parsePoolerMode('statement')).toThrow(/invalid --mode "statement"/);
  });
});
