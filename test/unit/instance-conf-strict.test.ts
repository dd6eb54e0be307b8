import { describe, expect, it } from 'vitest';
import { parseInstanceConf, serializeInstanceConf } from '../../src/core/instance-conf.js';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';

/**
 * The strict reader: exactly the format the writer produces, every field checked, errors
 * with file:line. Each field damaged in turn is refused; values an INI library would have
 * changed ("true", "a;b", "\u0041") come back verbatim.
 */
const base: Instance = {
  name: 'app',
  engine: 'native',
  version: '16',
  port: 5440,
  host: '127.0.0.1',
  user: 'vrooli',
  password: new Secret('s3cret-Pass_word'),
  database: 'vrooli',
  template: 'development',
  created: '2026-01-02T03:04:05.000Z',
  desiredState: 'running',
  dataDir: '/var/lib/resource-postgres/abc123/app/data',
  pgBin: '/usr/lib/postgresql/16/bin',
  extra: {},
};
const path = '/h/app/config/instance.conf';
const where = { home: '/h', name: 'app' };
const text = serializeInstanceConf(base);
const lineOf = (key: string) => text.split('\n').findIndex((l) => l.startsWith(`${key}=`)) + 1;
const withValue = (key: string, value: string) => text.replace(new RegExp(`^${key}=".*"$`, 'm'), `${key}="${value}"`);

describe('strict instance.conf reader', () => {
  it('reads back what it wrote, in the right place', () => {
    expect(parseInstanceConf(text, path, where)).toMatchObject({ name: 'app', port: 5440, pgBin: base.pgBin });
  });

  it.each([
    ['name', 'other', /name is "other" but the directory is "app"/],
    ['name', '-x', /valid instance name/],
    ['engine', 'podman', /engine must be docker or native/],
    ['version', 'sixteen', /version must be/],
    ['port', '5432', /port must be a number in 5433-5499/],
    ['port', '5433x', /port must be a number/],
    ['host', 'example.com', /host must be an IP address/],
    ['user', 'Robert); DROP', /user must be a PostgreSQL identifier/],
    ['password', 'has space', /password must be printable/],
    ['database', 'a-b', /database must be a PostgreSQL identifier/],
    ['template', 'turbo', /template must be development or/],
    ['created', 'yesterday', /created must be an ISO 8601 time/],
    ['desired_state', 'maybe', /desired_state must be running or stopped/],
    ['data_dir', '/etc', /data_dir must lie in \/h\/app or \/var\/lib\/resource-postgres/],
    ['data_dir', '/h/app/../other/data', /data_dir must be a plain absolute path/],
    ['data_dir', '/h/app', /data_dir must lie in/],
    ['pg_bin', 'usr/bin', /pg_bin must be a plain absolute path/],
    ['pg_bin', '/usr/lib/postgresql/16/bin/', /pg_bin must be a plain absolute path/],
  ])('%s=%j is refused at its line', (key, value, why) => {
    expect(() => parseInstanceConf(withValue(key, value), path, where)).toThrow(why);
    expect(() => parseInstanceConf(withValue(key, value), path, where)).toThrow(`${path}:${lineOf(key)}:`);
  });

  it.each([
    ['unquoted', text.replace('port="5440"', 'port=5440'), /:\d+: cannot read/],
    ['an ini section', `[section]\n${text}`, /:1: cannot read/],
    ['a ; comment', `; note\n${text}`, /:1: cannot read/],
    ['a $ in a value', `${text}note="$(id)"\n`, /cannot read/],
    ['a key twice', `${text}user="other"\n`, /user is set twice \(first on line \d+\)/],
    ['an empty required field', withValue('password', ''), /missing password/],
  ])('refuses %s', (_what, damaged, why) => {
    expect(() => parseInstanceConf(damaged, path, where)).toThrow(why);
  });

  it('keeps values an INI library would change verbatim, and refuses escapes it would expand', () => {
    const back = parseInstanceConf(`${text}autostart="true"\nnote="a;b"\nempty="null"\n`, path, where);
    expect(back.extra).toEqual({ autostart: 'true', note: 'a;b', empty: 'null' });
    expect(serializeInstanceConf(back)).toContain('note="a;b"');
    expect(() => parseInstanceConf(`${text}escape="\\u0041"\n`, path, where)).toThrow(/:\d+: cannot read/);
  });
});

describe('admin_user / admin_password (app role owner)', () => {
  const owner: Instance = { ...base, admin: { user: 'resource_admin', password: new Secret('Adm1n-pass_word') } };
  const ownerText = serializeInstanceConf(owner);

  it('round-trip both roles', () => {
    const back = parseInstanceConf(ownerText, path, where);
    expect(back.admin?.user).toBe('resource_admin');
    expect(back.admin?.password.reveal()).toBe('Adm1n-pass_word');
    expect(back.user).toBe('vrooli');
    expect(back.extra).toEqual({});
  });

  it('a superuser-mode file has neither and reads as no admin', () => {
    expect(text).not.toMatch(/admin_/);
    expect(parseInstanceConf(text, path, where).admin).toBeUndefined();
  });

  it.each([
    [(t: string) => t.replace(/^admin_password=.*\n/m, ''), /admin_user is set without admin_password/],
    [(t: string) => t.replace(/^admin_user=.*\n/m, ''), /admin_password is set without admin_user/],
    [
      (t: string) => t.replace('admin_user="resource_admin"', 'admin_user="vrooli"'),
      /admin_user must differ from user/,
    ],
    [
      (t: string) => t.replace('admin_user="resource_admin"', 'admin_user="bad-name"'),
      /admin_user must be a PostgreSQL identifier/,
    ],
    [
      (t: string) => t.replace('admin_password="Adm1n-pass_word"', 'admin_password="a b"'),
      /admin_password must be printable/,
    ],
  ])('refuses a damaged pair (%#) naming the file and line', (damage, why) => {
    expect(() => parseInstanceConf(damage(ownerText), path, where)).toThrow(why);
    expect(() => parseInstanceConf(damage(ownerText), path, where)).toThrow(/instance\.conf:\d+/);
  });
});
