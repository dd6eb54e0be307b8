import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, tempHome } from '../support/cli.js';
import { cli, credentials, psql } from '../support/tls.js';

/**
 * credentials --format pgpass|service|pgadmin|pgweb against real instances (native; one with
 * TLS required): psql connects with `service=<instance>` from the generated service and
 * password files, the JSON and TOML parse with the right fields, and the password is printed
 * only when asked for.
 */
let home: string;

beforeAll(async () => {
  home = await tempHome('rp-formats-');
  for (const [name, extra] of [
    ['plain', []],
    ['secure', ['--tls-require']],
  ] as const) {
    const r = await cli(
      ['manage', 'start', '--instance', name, '--engine', 'native', '--template', 'testing', ...extra],
      home,
    );
    expect(r.code, r.stderr).toBe(0);
  }
}, 240_000);
afterAll(async () => {
  await destroyHome(home);
});

describe('credentials in the formats of other tools', () => {
  it('psql "service=<instance>" connects with the generated service file and pgpass', async () => {
    const out = join(home, 'out');
    for (const format of ['pgpass', 'service']) {
      const r = await cli(['credentials', '--all', '--format', format, '--out', out], home);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/wrote .* \(0600\)/);
    }
    expect((await lstat(join(out, 'pgpass'))).mode & 0o777).toBe(0o600);
    const env = { PGSERVICEFILE: join(out, 'pg_service.conf'), PGPASSFILE: join(out, 'pgpass') };
    const sql =
      "SELECT current_user || coalesce((SELECT CASE WHEN ssl THEN '+tls' END FROM pg_stat_ssl WHERE pid = pg_backend_pid()), '')";
    expect(await psql('service=plain', sql, env)).toMatchObject({ code: 0, out: 'vrooli\n' });
    expect(await psql('service=secure', sql, env)).toMatchObject({ code: 0, out: 'vrooli+tls\n' });
    // The service file names the CA and verify-full; no password in it.
    const service = await readFile(env.PGSERVICEFILE, 'utf8');
    expect(service).toContain(`[secure]`);
    expect(service).toContain(`sslrootcert=${home}/.tls/ca.crt`);
    expect(service).not.toContain((await credentials(home, 'plain')).auth.password);
  });

  it('pgadmin servers.json and pgweb bookmarks parse with the right fields', async () => {
    const secure = await credentials(home, 'secure');
    const admin = await cli(['credentials', '--all', '--format', 'pgadmin', '--passfile', '/p/pgpass'], home);
    expect(admin.code).toBe(0);
    const servers = Object.values(JSON.parse(admin.stdout).Servers) as Array<Record<string, unknown>>;
    expect(servers.map((s) => s.Name).sort()).toEqual(['plain', 'secure']);
    expect(servers.find((s) => s.Name === 'secure')).toMatchObject({
      Group: 'resource-postgres',
      Host: '127.0.0.1',
      Port: secure.connection.port,
      MaintenanceDB: 'vrooli',
      Username: 'vrooli',
      SSLMode: 'verify-full',
      PassFile: '/p/pgpass',
    });
    expect(admin.stdout).not.toContain(secure.auth.password);

    const dir = join(home, 'bookmarks');
    const web = await cli(['credentials', '--instance', 'secure', '--format', 'pgweb', '--out', dir], home);
    expect(web.code, web.stderr).toBe(0);
    expect(web.stdout).not.toContain(secure.auth.password);
    const bookmark = parseToml(await readFile(join(dir, 'secure.toml'), 'utf8'));
    expect(bookmark).toMatchObject({
      host: '127.0.0.1',
      port: secure.connection.port,
      user: 'vrooli',
      password: secure.auth.password,
      database: 'vrooli',
      ssl: 'verify-full',
    });
    // The url pgweb prefers connects as it is, verify-full with the CA.
    expect((await psql(String(bookmark.url), 'SELECT 1')).out).toBe('1\n');
  });

  it('the password formats print only with --show-secrets; --out needs a tool format', async () => {
    for (const format of ['pgpass', 'pgweb']) {
      const r = await cli(['credentials', '--all', '--format', format], home);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/holds the password.*\n.*--show-secrets.*--out DIR/);
    }
    const shown = await cli(['credentials', '--instance', 'plain', '--format', 'pgpass', '--show-secrets'], home);
    const plain = await credentials(home, 'plain');
    expect(shown.stdout).toBe(`127.0.0.1:${plain.connection.port}:*:vrooli:${plain.auth.password}\n`);
    const badOut = await cli(['credentials', '--format', 'env', '--out', join(home, 'x')], home);
    expect(badOut.code).toBe(1);
    expect(badOut.stderr).toMatch(/--out works with --format pgpass/);
    const status = await cli(['status', '--format', 'service'], home);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/not available for status/);
  });
});
