import { lstat, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, tempHome } from '../support/cli.js';
import { cli, tlsRound } from '../support/tls.js';

/**
 * TLS on the native engine, as root: the CA key 0600 in a 0700 directory of the home, the
 * server's key root's and 0640 to its own group in server-conf/, verify-full for psql and
 * node-postgres, plain TCP refused when required, rotation keeping the CA, and off again.
 */
let home: string;
const name = 'tlsn';

beforeAll(async () => {
  home = await tempHome('rp-tls-native-');
});
afterAll(async () => {
  await destroyHome(home);
});

describe('TLS on the native engine', () => {
  it('start --tls-require serves verify-full only; rotate keeps the CA; disable turns it off', async () => {
    const start = await cli(
      ['manage', 'start', '--instance', name, '--engine', 'native', '--template', 'testing', '--tls-require'],
      home,
    );
    expect(start.code, start.stderr).toBe(0);
    const conf = await readFile(join(home, name, 'config', 'instance.conf'), 'utf8');
    expect(conf).toContain('tls="required"');
    expect(conf).toContain(`tls_ca="${home}/.tls/ca.crt"`);
    const mode = async (p: string) => {
      const st = await lstat(p);
      return { mode: st.mode & 0o777, uid: st.uid, gid: st.gid };
    };
    expect((await mode(join(home, '.tls', 'private'))).mode).toBe(0o700);
    expect((await mode(join(home, '.tls', 'private', 'ca.key'))).mode).toBe(0o600);
    expect((await mode(join(home, name, 'config', 'tls', 'server.key'))).mode).toBe(0o600);
    const dataDir = /data_dir="([^"]+)"/.exec(conf)?.[1] ?? join(home, name, 'data');
    const confDir = join(dirname(dataDir), 'server-conf');
    const serverKey = await mode(join(confDir, 'server.key'));
    const serverUser = /server_user="([^"]+)"/.exec(conf)![1]!;
    expect(serverKey).toMatchObject({ mode: 0o640, uid: 0 });
    expect(serverKey.gid).toBe((await lstat(join(dataDir))).gid); // the server user's own group
    expect(serverUser).toMatch(/^rp-/);
    const pg = await readFile(join(confDir, 'postgresql.conf'), 'utf8');
    expect(pg).toContain("ssl = 'on'");
    expect(await readFile(join(confDir, 'pg_hba.conf'), 'utf8')).toMatch(/^hostssl all/m);

    await tlsRound(home, name, async () => [
      await readFile(join(home, '.tls', 'private', 'ca.key'), 'utf8'),
      await readFile(join(home, name, 'config', 'tls', 'server.key'), 'utf8'),
    ]);
    // Off: no key stays in server-conf/.
    await expect(lstat(join(confDir, 'server.key'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(confDir, 'postgresql.conf'), 'utf8')).toContain("ssl = 'off'");
  }, 240_000);

  it('an existing instance refuses --tls at start, naming manage tls enable', async () => {
    const r = await cli(['manage', 'start', '--instance', name, '--tls'], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/manage tls enable --instance tlsn/);
  });
});
