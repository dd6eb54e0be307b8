import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, dockerAvailability, TEST_IMAGE, tempHome } from '../support/cli.js';
import { cli, conninfo, credentials, psql, tlsRound } from '../support/tls.js';

/**
 * TLS on the docker engine: certificate, key (owned by the image's postgres user, 0600) and
 * pg_hba.conf copied into the container before it starts; verify-full for psql and
 * node-postgres; plain TCP refused when required; rotation reloads the running server (no
 * new container); turning TLS off makes the container anew on its volume, data kept.
 */
const available = await dockerAvailability();
if (!available.ok && process.env.CI) throw new Error(`CI requires the Docker suites to run, but ${available.reason}`);
const run = promisify(execFile);
const name = 'tlsd';
const container = `resource-postgres-${name}`;
let home: string;

beforeAll(async () => {
  home = await tempHome('rp-tls-docker-');
});
afterAll(async () => {
  await destroyHome(home);
});

const inContainer = async (...cmd: string[]) => (await run('docker', ['exec', container, ...cmd])).stdout.trim();

describe.skipIf(!available.ok)('TLS on the docker engine', () => {
  it('start --tls-require serves verify-full only; rotate reloads; disable keeps the data', async () => {
    const start = await cli(
      ['manage', 'start', '--instance', name, '--engine', 'docker', '--image', TEST_IMAGE, '--tls-require'],
      home,
    );
    expect(start.code, start.stderr).toBe(0);
    const pgUid = await inContainer('id', '-u', 'postgres');
    expect(await inContainer('stat', '-c', '%a %u', '/.resource-postgres-server.key')).toBe(`600 ${pgUid}`);
    expect(await inContainer('stat', '-c', '%a %u', '/.resource-postgres-pg_hba.conf')).toBe('644 0');
    const created = (await run('docker', ['inspect', '-f', '{{.Id}}', container])).stdout.trim();
    const made = await cli(
      ['content', 'execute', '--instance', name, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)'],
      home,
    );
    expect(made.code, made.stderr).toBe(0);

    await tlsRound(home, name, async () => [
      await readFile(join(home, '.tls', 'private', 'ca.key'), 'utf8'),
      await readFile(join(home, name, 'config', 'tls', 'server.key'), 'utf8'),
    ]);
    // Rotation reloaded the same container; disable made it anew, on the same volume.
    const now = (await run('docker', ['inspect', '-f', '{{.Id}}', container])).stdout.trim();
    expect(now).not.toBe(created);
    const kept = await cli(['content', 'execute', '--instance', name, '--format', 'json', 'SELECT n FROM kept'], home);
    expect(kept.stdout).toContain('7');
  }, 300_000);

  it('enable on a running plain instance restarts it with TLS; credentials follow', async () => {
    const on = await cli(['manage', 'tls', 'enable', '--instance', name, '--json'], home);
    expect(on.code, on.stderr + on.stdout).toBe(0);
    expect(JSON.parse(on.stdout).tls).toMatchObject({ mode: 'on', applied: 'restarted' });
    const status = await cli(['status', '--instance', name, '--json'], home);
    expect(JSON.parse(status.stdout).healthy).toBe(true);
  }, 180_000);

  it('while stopped, a change applies at the next start (the instance stays stopped, not absent)', async () => {
    expect((await cli(['manage', 'stop', '--instance', name], home)).code).toBe(0);
    const off = await cli(['manage', 'tls', 'disable', '--instance', name, '--json'], home);
    expect(JSON.parse(off.stdout).tls).toMatchObject({ mode: 'off', applied: 'written' });
    const status = await cli(['status', '--instance', name, '--json'], home);
    expect(JSON.parse(status.stdout).instances[0].state).toBe('stopped');
    expect((await cli(['manage', 'start', '--instance', name], home)).code).toBe(0);
    const c = await credentials(home, name);
    expect(c.connection.sslmode).toBe('disable');
    expect((await psql(conninfo(c, 'disable'), 'SELECT 1')).out).toBe('1\n');
  }, 180_000);
});
