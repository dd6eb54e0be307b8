import { parse as parseIni } from 'ini';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import type { ConnectionView } from '../../src/core/connection.js';
import {
  pgadminJson,
  pgpassText,
  pgwebText,
  pgwebToml,
  serviceText,
  renderToolFormat,
} from '../../src/core/tool-config.js';

const plain: ConnectionView = {
  instance: 'main',
  host: '127.0.0.1',
  port: 5433,
  database: 'vrooli',
  user: 'vrooli',
  password: 'pw',
  sslmode: 'disable',
};
const tls: ConnectionView = {
  ...plain,
  instance: 'app',
  host: '::1',
  port: 5434,
  sslmode: 'verify-full',
  sslrootcert: '/srv/rp/tls/ca.crt',
};

describe('configuration files for other tools', () => {
  it('pgpass: one line per instance, any database, ":" and "\\" escaped', () => {
    const odd = { ...plain, user: 'a:b', password: 'p\\w:d' };
    expect(pgpassText([odd, tls])).toBe('127.0.0.1:5433:*:a\\:b:p\\\\w\\:d\n\\:\\:1:5434:*:vrooli:pw\n');
  });

  it('service: a section per instance with sslmode, the CA with TLS, passfile when given; never a password', () => {
    const text = serviceText([plain, tls], '/home/me/.pgpass');
    const ini = parseIni(text);
    expect(ini.main).toEqual({
      host: '127.0.0.1',
      port: '5433',
      dbname: 'vrooli',
      user: 'vrooli',
      sslmode: 'disable',
      passfile: '/home/me/.pgpass',
    });
    expect(ini.app).toMatchObject({ host: '::1', sslmode: 'verify-full', sslrootcert: '/srv/rp/tls/ca.crt' });
    expect(text).not.toMatch(/password/);
    expect(() => serviceText([{ ...plain, database: 'a\nb' }])).toThrow(/cannot go in a service file/);
  });

  it("pgadmin: servers.json with pgAdmin's fields, no password", () => {
    const doc = JSON.parse(pgadminJson([plain, tls], '/p/pgpass'));
    expect(Object.keys(doc.Servers)).toEqual(['1', '2']);
    expect(doc.Servers['1']).toMatchObject({
      Name: 'main',
      Group: 'resource-postgres',
      Host: '127.0.0.1',
      Port: 5433,
      MaintenanceDB: 'vrooli',
      Username: 'vrooli',
      SSLMode: 'disable',
      PassFile: '/p/pgpass',
    });
    expect(doc.Servers['2'].ConnectionParameters).toMatchObject({
      sslmode: 'verify-full',
      sslrootcert: '/srv/rp/tls/ca.crt',
      passfile: '/p/pgpass',
    });
    expect(JSON.stringify(doc)).not.toContain('"pw"');
    expect(JSON.parse(pgadminJson([]))).toEqual({ Servers: {} });
  });

  it('pgweb: TOML bookmarks pgweb reads (ssl is the sslmode); a TLS one carries the CA in its url', () => {
    const odd = { ...plain, password: 'q"u\\o\u0001te' };
    expect(parseToml(pgwebToml(odd))).toEqual({
      host: '127.0.0.1',
      port: 5433,
      user: 'vrooli',
      password: 'q"u\\o\u0001te',
      database: 'vrooli',
      ssl: 'disable',
    });
    const withCa = parseToml(pgwebToml(tls));
    expect(withCa.url).toBe(
      'postgres://vrooli:pw@[::1]:5434/vrooli?sslmode=verify-full&sslrootcert=%2Fsrv%2Frp%2Ftls%2Fca.crt',
    );
    expect(pgwebText([plain, tls])).toMatch(/^# main\.toml\n[\s\S]*\n# app\.toml\n/);
    expect(renderToolFormat('pgweb', [plain])).toBe(pgwebText([plain]));
  });
});
