import { describe, expect, it } from 'vitest';
import { getTemplate } from '../../src/core/templates.js';
import {
  confValue,
  INCLUDE_LINE,
  renderHba,
  renderIdent,
  renderPostgresConf,
  withIncludeLine,
} from '../../src/engines/native/render.js';

const input = {
  name: 'main',
  port: 5433,
  host: '127.0.0.1',
  templateName: 'development',
  settings: getTemplate('development').settings,
  socketDir: '/h/main/run',
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
    });
    expect(s.log_line_prefix).toMatch(/^%m /);
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
    ]);
    expect(renderHba('127.0.0.1')).not.toMatch(/trust|md5|password\b/);
  });
  it('accepts scram from anywhere only when the instance binds beyond loopback', () => {
    expect(rules(renderHba('0.0.0.0')).at(-1)).toBe('host all all all scram-sha-256');
  });
});

describe('renderIdent', () => {
  it('maps the server OS user to the instance superuser and nobody else', () => {
    expect(renderIdent('postgres', 'vrooli').trim().split('\n').at(-1)).toBe('resource-postgres  postgres  vrooli');
    expect(renderIdent('postgres', 'Odd User')).toContain('"Odd User"');
  });
});

describe('withIncludeLine', () => {
  it('appends the include once', () => {
    const once = withIncludeLine('port = 5432\n');
    expect(once).toBe(`port = 5432\n\n${INCLUDE_LINE}\n`);
    expect(withIncludeLine(once)).toBe(once);
  });
});
