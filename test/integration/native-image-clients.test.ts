import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import { waitFor } from '../../src/core/wait.js';
import { CLIENT_LABEL, DockerImageClients } from '../../src/engines/docker/image-clients.js';
import { NativeEngine } from '../../src/engines/native/native-engine.js';
import { ensureInstanceDatabase } from '../../src/postgres/databases.js';
import { dockerAvailability, TEST_IMAGE } from '../support/cli.js';
import { freePort, makeInstance, PASSWORD, quiet, sql } from '../support/native-instance.js';

/**
 * The native engine's last resort for client programs: with no suitable pg_dump on the host
 * (the search is pointed at empty places here), the client programs of a local image (the
 * offline test image, named as the configured image) run on the host network against a real
 * native server: psql fed on stdin, pg_dump streamed out, pg_restore streamed in and out.
 */
const docker = await dockerAvailability();
if (!docker.ok && process.env.CI) throw new Error(`CI requires Docker for the image client suite: ${docker.reason}`);

/** Client containers (any state) talking to `port`: other suites may run containers of the same image meanwhile. */
function clientContainers(port: number): string[] {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${CLIENT_LABEL}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  return ids.map(inspect).filter((record) => record.includes(`"PGPORT=${port}"`));
}

/** One container's record, or '' when it went away between the listing and here (one-off containers are --rm). */
function inspect(id: string): string {
  try {
    return execFileSync('docker', ['inspect', id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (/No such object/.test(String((e as { stderr?: string }).stderr))) return '';
    throw e;
  }
}

describe.skipIf(!docker.ok)('native engine, client programs from a local docker image', () => {
  let home: string;
  let engine: NativeEngine;
  let instance: Instance;

  beforeAll(async () => {
    home = await mkdtemp('/tmp/rp-image-clients-');
    engine = new NativeEngine({
      home,
      createDatabase: ensureInstanceDatabase,
      env: { ...process.env, PATH: join(home, 'empty'), RESOURCE_POSTGRES_IMAGE: TEST_IMAGE },
      clientSearch: { debianRoot: join(home, 'empty'), homebrewOpt: [] },
      imageClients: async () => new DockerImageClients(),
    });
    instance = makeInstance('imgcl', await freePort(5456, 5459)); // native-engine.test.ts, beside it, has 5450-5455;
    await engine.create(instance, quiet);
  }, 120_000);
  afterAll(async () => {
    await engine?.remove(instance, { keepData: false }).catch(() => {});
    await rm(home, { recursive: true, force: true });
  }, 120_000);

  it("finds the configured image's pg_dump 17 for a 16 server and runs psql, pg_dump and pg_restore with it", async () => {
    const check = await engine.clientTools(instance, 16);
    expect(check).toMatchObject({ ok: true, major: 17, where: expect.stringContaining(TEST_IMAGE) });

    const psql = await engine.runClient(instance, 'psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-d', 'appdb'], {
      stdin: Readable.from(['CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 50);\n']),
    });
    expect(psql.exitCode, psql.stderr).toBe(0);
    expect(await sql(instance, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 50 }]);

    const dump: Buffer[] = [];
    const out = new PassThrough().on('data', (c: Buffer) => dump.push(c));
    const dumped = await engine.runClient(instance, 'pg_dump', ['--format=custom', '--dbname=appdb'], { stdout: out });
    expect(dumped.exitCode, dumped.stderr).toBe(0);
    expect(Buffer.concat(dump).subarray(0, 5).toString()).toBe('PGDMP');

    const script = await engine.runClient(instance, 'pg_restore', ['--file=-'], {
      stdin: Readable.from([Buffer.concat(dump)]),
    });
    expect(script.exitCode, script.stderr).toBe(0);
    expect(script.stdout).toContain('CREATE TABLE public.t');
    expect(clientContainers(instance.port)).toEqual([]); // every one-off container is gone
  }, 120_000);

  it("the password is in no container's env or argv, only in a read-only mounted file", async () => {
    const running = engine.runClient(instance, 'psql', ['-X', '-Atc', 'select pg_sleep(2), 1', '-d', 'appdb'], {});
    let record = '';
    await waitFor(
      async () => {
        record = clientContainers(instance.port)[0] ?? '';
        return record ? undefined : 'no client container yet';
      },
      { timeoutMs: 10_000, what: 'the client container' },
    );
    expect(record).toMatch(/"PGPASSFILE=[^"]+"/);
    expect(record).toMatch(/"[^"]+:[^"]+:ro"/);
    expect(record).not.toContain(PASSWORD);
    expect(await running).toMatchObject({ exitCode: 0, stdout: '|1\n' });

    // Without the file, the same programs cannot log in: nothing else carries the password.
    const r = await new DockerImageClients().run(TEST_IMAGE, 'psql', ['-X', '-Atc', 'select 1', '-d', 'appdb'], {
      env: { PGHOST: '127.0.0.1', PGPORT: String(instance.port), PGUSER: instance.user, PGCONNECT_TIMEOUT: '5' },
      files: [],
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/password/);
  }, 120_000);

  it('an image too old for the server is named, not used', async () => {
    const check = await engine.clientTools(instance, 18);
    expect(check).toMatchObject({ ok: false });
    if (check.ok) return;
    expect(check.reason).toContain(`${TEST_IMAGE}: pg_dump 17`);
    expect(check.hint).toContain('postgresql-client-18');
  }, 120_000);
});
