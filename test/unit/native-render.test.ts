import { describe, expect, it } from 'vitest';
import { getTemplate } from '../../src/core/templates.js';
import { baseSettings } from '../../src/engines/native/base-settings.js';
import { confValue, renderHba, renderIdent, renderPostgresConf } from '../../src/engines/native/render.js';

const input = {
  name: 'main',
  port: 5433,
  host: '127.0.0.1',
  templateName: 'development',
  settings: getTemplate('development').settings,
  socketDir: '/h/main/run',
  dataDir: '/h/main/data',
  confDir: '/h/main/server-conf',
};

/** The effective value of each setting: later lines win, as in postgresql.conf. */
function effective(conf: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of conf.split('\n')) {
    const m = /^(\w[\w.]*) = '(.*)'$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

describe('renderPostgresConf', () => {
  it('has the template settings and the engine settings', () => {
    const s = effective(renderPostgresConf(input));
    expect(s).toMatchObject({
      shared_buffers: '128MB',
      max_connections: '100',
      listen_addresses: '127.0.0.1',
      port: '5433',
      unix_socket_directories: '/h/main/run',
      password_encryption: 'scram-sha-256',
      logging_collector: 'off',
      log_timezone: 'UTC',
      cluster_name: 'resource-postgres-main',
      data_directory: '/h/main/data',
      hba_file: '/h/main/server-conf/pg_hba.conf',
      ident_file: '/h/main/server-conf/pg_ident.conf',
    });
    expect(s.log_line_prefix).toMatch(/^%m /);
  });
  it('reads base.conf first, so the template and the engine override what initdb chose', () => {
    const lines = renderPostgresConf(input).split('\n');
    const include = lines.indexOf("include '/h/main/server-conf/base.conf'");
    expect(include).toBeGreaterThan(-1);
    expect(include).toBeLessThan(lines.findIndex((l) => l.startsWith('shared_buffers')));
  });
  it('lets the engine win over a template that sets the same keys', () => {
    const s = effective(
      renderPostgresConf({ ...input, settings: { port: '9999', listen_addresses: '*', log_timezone: 'Europe/Paris' } }),
    );
    expect(s).toMatchObject({ port: '5433', listen_addresses: '127.0.0.1', log_timezone: 'UTC' });
  });
  it('quotes values and refuses setting names that could inject lines', () => {
    expect(confValue("it's a \\ path")).toBe("'it''s a \\\\ path'");
    expect(() => renderPostgresConf({ ...input, settings: { 'x = 1\nport': '1' } })).toThrow(/invalid setting name/);
  });
});

describe('renderHba', () => {
  const rules = (text: string) =>
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/).join(' '));
  it('allows the socket for the mapped server user and scram from loopback only', () => {
    expect(rules(renderHba('127.0.0.1'))).toEqual([
      'local all all peer map=resource-postgres',
      'host all all 127.0.0.1/32 scram-sha-256',
      'host all all ::1/128 scram-sha-256',
      'host replication /^rp_replica_ 127.0.0.1/32 scram-sha-256',
      'host replication /^rp_replica_ ::1/128 scram-sha-256',
    ]);
    expect(renderHba('127.0.0.1')).not.toMatch(/trust|md5|password\b/);
  });
  it('accepts scram from anywhere only when the instance binds beyond loopback', () => {
    expect(rules(renderHba('0.0.0.0')).slice(-2)).toEqual([
      'host all all all scram-sha-256',
      'host replication /^rp_replica_ all scram-sha-256',
    ]);
  });
});

describe('renderIdent', () => {
  it('maps the server OS user to the instance superuser and nobody else', () => {
    expect(renderIdent('postgres', 'vrooli').trim().split('\n').at(-1)).toBe('resource-postgres  postgres  vrooli');
    expect(renderIdent('postgres', 'Odd User')).toContain('"Odd User"');
  });
});

describe('baseSettings', () => {
  const legacy = [
    '# initdb comment',
    'max_connections = 100\t\t\t# (change requires restart)',
    "lc_messages = 'C.UTF-8'",
    "work_mem = '7MB'",
    "hba_file = '/elsewhere/pg_hba.conf'",
    "data_directory='/x'",
    "include 'extra.conf'",
    "include_if_exists = '/abs/o''k.conf'",
    "include_dir 'conf.d'",
    '',
    "include 'resource-postgres.conf'\t# added by resource-postgres; settings from the instance's template",
  ].join('\n');
  const body = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));

  it('keeps every active setting and edit, drops the old include line and the file locations the engine owns', () => {
    expect(body(baseSettings(legacy, '/d/data'))).toEqual([
      'max_connections = 100\t\t\t# (change requires restart)',
      "lc_messages = 'C.UTF-8'",
      "work_mem = '7MB'",
      "include '/d/data/extra.conf'",
      "include_if_exists = '/abs/o''k.conf'",
      "include_dir '/d/data/conf.d'",
    ]);
  });
  it('is empty but for its header when the data directory has no postgresql.conf', () => {
    expect(body(baseSettings('', '/d/data'))).toEqual([]);
  });
});
