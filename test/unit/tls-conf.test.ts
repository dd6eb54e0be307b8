import { describe, expect, it } from 'vitest';
import { connectionUrl, connectionView, envLines } from '../../src/core/connection.js';
import { parseInstanceConf, serializeInstanceConf } from '../../src/core/instance-conf.js';
import { renderHba, renderPostgresConf } from '../../src/engines/native/render.js';

const base = 'name="app"\nengine="native"\nport="5440"\nuser="u"\npassword="p4ss"\ndatabase="d"\n';
const where = { home: '/srv/rp', name: 'app' };

describe('TLS in instance.conf, server files and connection details', () => {
  it('reads and writes tls and tls_ca strictly', () => {
    const inst = parseInstanceConf(`${base}tls="required"\ntls_ca="/srv/rp/.tls/ca.crt"\n`, 'x', where);
    expect(inst).toMatchObject({ tls: 'required', tlsCa: '/srv/rp/.tls/ca.crt' });
    expect(serializeInstanceConf(inst)).toContain('tls="required"\ntls_ca="/srv/rp/.tls/ca.crt"\n');
    expect(parseInstanceConf(`${base}tls="off"\n`, 'x', where).tls).toBeUndefined();
    expect(() => parseInstanceConf(`${base}tls="yes"\n`, 'x', where)).toThrow(/x:7: tls must be off or on or required/);
    expect(() => parseInstanceConf(`${base}tls="on"\n`, 'x', where)).toThrow(/tls is on but tls_ca is missing/);
    expect(() => parseInstanceConf(`${base}tls="on"\ntls_ca="/etc/passwd"\n`, 'x', where)).toThrow(
      /tls_ca must be \/srv\/rp\/.tls\/ca.crt/,
    );
  });

  it('native: ssl settings and hostssl only when required', () => {
    const input = {
      name: 'app',
      port: 5440,
      host: '127.0.0.1',
      templateName: 't',
      settings: {},
      socketDir: '/r',
      dataDir: '/d',
      confDir: '/c',
    };
    expect(renderPostgresConf(input)).toContain("ssl = 'off'");
    const on = renderPostgresConf({ ...input, tls: { certFile: '/c/server.crt', keyFile: '/c/server.key' } });
    expect(on).toContain("ssl = 'on'\nssl_cert_file = '/c/server.crt'\nssl_key_file = '/c/server.key'");
    expect(renderHba('127.0.0.1')).not.toMatch(/hostssl/);
    const required = renderHba('10.0.0.2', true);
    // all databases and replication, each from 127.0.0.1, ::1 and (the wider bind) anywhere
    expect(required.match(/^hostssl /gm)).toHaveLength(6);
    expect(required).not.toMatch(/^host /m);
    expect(required).toMatch(/^local .*peer/m);
  });

  it('credentials: verify-full with the CA in URLs and env', () => {
    const inst = parseInstanceConf(`${base}tls="on"\ntls_ca="/srv/rp/.tls/ca.crt"\n`, 'x', where);
    const v = connectionView(inst, true);
    expect(v).toMatchObject({ sslmode: 'verify-full', sslrootcert: '/srv/rp/.tls/ca.crt' });
    expect(connectionUrl(v)).toBe(
      'postgres://u:p4ss@127.0.0.1:5440/d?sslmode=verify-full&sslrootcert=%2Fsrv%2Frp%2F.tls%2Fca.crt',
    );
    expect(envLines(v)).toEqual(
      expect.arrayContaining([
        "PGSSLMODE='verify-full'",
        "PGSSLROOTCERT='/srv/rp/.tls/ca.crt'",
        "POSTGRES_SSLMODE='verify-full'",
      ]),
    );
    const plain = connectionView(parseInstanceConf(base, 'x', where), false);
    expect(connectionUrl(plain)).toMatch(/\?sslmode=disable$/);
    expect(envLines(plain).join('\n')).not.toContain('PGSSL');
  });
});
