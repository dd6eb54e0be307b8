import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import {
  credentials,
  docker,
  engineArgs,
  forceCleanup,
  nativePid,
  processesMentioning,
  relocationBase,
  statusJson,
  waitUntil,
} from '../support/reliability.js';

/**
 * What the orchestration platform does, through the real CLI on each engine: it runs
 * `install`, `start --force` on every run, reads `credentials --format json` before anything
 * exists, and gates on `test smoke`. One instance per engine, named through the
 * environment as the platform would (RESOURCE_POSTGRES_INSTANCE), so argv is exactly theirs.
 */
const engines = await enginesUnderTest();

describe.each(engines)('callers on the %s engine', (engine) => {
  let home: string;
  // Container names are machine-wide: a unique instance name keeps parallel suites apart.
  const name = `clr${engine[0]}${randomBytes(3).toString('hex')}`;
  const env = { RESOURCE_POSTGRES_INSTANCE: name };
  const cli = (...args: string[]) => runCli(args, { home, env, timeoutMs: 180_000 });
  const clients: pg.Client[] = [];

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: (await credentials(home, name)).DATABASE_URL });
    client.on('error', () => {}); // a restart ends these sessions; that is what some tests look for
    clients.push(client);
    await client.connect();
    return client;
  }
  /** What changes when the server restarts: the postmaster's start time and its process or container. */
  async function serverIdentity(): Promise<string> {
    const probe = await connect();
    const started = (await probe.query('SELECT pg_postmaster_start_time()::text AS t')).rows[0].t as string;
    await probe.end();
    const owner =
      engine === 'native'
        ? `pid ${await nativePid(home, name)}`
        : await docker('inspect', '-f', '{{.Id}} {{.State.StartedAt}}', `resource-postgres-${name}`);
    return `${started} ${owner}`;
  }

  beforeAll(async () => {
    home = await tempHome(`rp-callers-${engine}-`);
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    await forceCleanup(home);
  }, 120_000);

  it('a: credentials --format json with nothing configured is the contract shape, empty (exit 2)', async () => {
    for (const args of [['credentials', '--format', 'json'], ['credentials', '--json', '--all'], ['credentials']]) {
      const r = await cli(...args);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout + r.stderr).not.toMatch(/error/i);
      if (args.length > 1) {
        expect(r.stderr).toBe('');
        expect(JSON.parse(r.stdout)).toEqual({ resource: 'postgres', status: 'stopped', connections: [] });
      } else expect(r.stdout).toMatch(new RegExp(`no instance ${name} in .*: nothing configured; create one with`));
    }
  });

  it('c: top-level install creates and starts the instance like manage install; again says already installed', async () => {
    const install = await cli('install', '--verbose', '--template', 'minimal', ...engineArgs(engine));
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toMatch(new RegExp(`installed: instance ${name} created on ${engine}`));
    const again = await cli('install');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already installed/);
    expect((await statusJson(home)).doc).toMatchObject({ healthy: true, total_instances: 1 });
    // the empty-home case above, now with an instance: still the contract shape for an unknown one
    const ghost = await cli('credentials', '--json', '--instance', 'ghost');
    expect(ghost.code).toBe(2);
    expect(JSON.parse(ghost.stdout)).toEqual({ resource: 'postgres', status: 'stopped', connections: [] });
  }, 180_000);

  it('b: start --force (every spelling) leaves a healthy instance running: same server, sessions survive', async () => {
    const before = await serverIdentity();
    const session = await connect();
    const backend = (await session.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    for (const args of [
      ['manage', 'start', '--force'],
      ['start', '--force'],
      ['install', '--force'],
    ]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/already (running|installed)/);
      expect(r.stdout + r.stderr).not.toMatch(/restart/);
    }
    expect((await session.query('SELECT pg_backend_pid() AS pid')).rows[0].pid).toBe(backend);
    expect(await serverIdentity()).toBe(before);
    await session.end();
  }, 120_000);

  it('b: start --force repairs an instance that runs but fails the authenticated probe', async () => {
    const before = await serverIdentity();
    // Every connection slot taken: the server runs, yet the health probe's SELECT 1 is refused.
    let refusal: { code?: string } | undefined;
    for (let i = 0; i < 300 && !refusal; i++)
      refusal = await connect().then(
        () => undefined,
        (e) => e,
      );
    expect(refusal?.code).toBe('53300'); // too many clients
    const sick = await statusJson(home);
    expect(sick.code).toBe(1);
    expect(sick.doc.instances[0]).toMatchObject({ state: 'unhealthy', healthy: false });

    const r = await cli('start', '--force');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/runs but fails its health probe \(.*too many clients.*\); restarting it \(--force\)/);
    expect(r.stdout).toMatch(new RegExp(`instance ${name} was running but unhealthy; restarted .*accepting queries`));
    expect(await serverIdentity()).not.toBe(before);
    expect((await statusJson(home)).doc).toMatchObject({ healthy: true });
  }, 120_000);

  it('b: --force does not restart for what a restart cannot fix (the password changed in the server)', async () => {
    const before = await serverIdentity();
    const admin = await connect();
    const recorded = (await credentials(home, name)).POSTGRES_PASSWORD!;
    await admin.query("ALTER ROLE CURRENT_USER PASSWORD 'not-the-recorded-one'");
    try {
      const r = await cli('start', '--force', '--timeout', '3');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/password authentication failed/);
      expect(r.stderr).not.toMatch(/restarting/);
    } finally {
      await admin.query(`ALTER ROLE CURRENT_USER PASSWORD ${admin.escapeLiteral(recorded)}`);
      await admin.end();
    }
    expect(await serverIdentity()).toBe(before);
  }, 120_000);

  it('d: test smoke / all against a crashed instance exit 1 with the FAIL line; 2 when the suite cannot run', async () => {
    if (engine === 'native') {
      process.kill(await nativePid(home, name), 'SIGKILL');
      await waitUntil(
        'the postmaster to die',
        async () => !(await processesMentioning(`-D ${relocationBase(home)}/${name}/`)).length,
      );
    } else await docker('stop', '-t', '1', `resource-postgres-${name}`); // behind the CLI's back
    expect((await statusJson(home, '--fast')).doc.instances[0].health_message).toMatch(/stopped unexpectedly/);

    for (const suite of ['smoke', 'all']) {
      const r = await cli('test', suite);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/^FAIL {2}smoke: instance running .*should be running but is not/m);
      expect(r.stdout).toMatch(/\d+ passed, 1 failed$/m);
      if (suite === 'all') expect(r.stdout).toMatch(/^PASS {2}unit: /m);
    }
    const json = await cli('test', 'smoke', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ available: true, failed: 1 });
    expect((await cli('test', 'smoke', '--instance', 'ghost')).code).toBe(2);

    // Brought back with the top-level start, the smoke test passes again.
    expect((await cli('start')).code).toBe(0);
    const smoke = await cli('test', 'smoke');
    expect(smoke.code, smoke.stdout).toBe(0);
    expect(smoke.stdout).toMatch(/4 passed, 0 failed/);
  }, 180_000);

  it('c: top-level restart, stop and uninstall are the manage verbs; stopped on purpose, smoke cannot run (2)', async () => {
    const before = await serverIdentity();
    const restart = await cli('restart');
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.stdout).toMatch(new RegExp(`instance ${name} restarted`));
    expect(await serverIdentity()).not.toBe(before);

    const stop = await cli('stop');
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/stopped \(data kept\)/);
    expect((await cli('stop')).stdout).toMatch(/already stopped/);
    const smoke = await cli('test', 'smoke');
    expect(smoke.code).toBe(2);
    expect(smoke.stdout).toMatch(/stopped on purpose/);

    expect((await cli('uninstall')).code).toBe(1); // no TTY, no --force: refused, like manage uninstall
    const gone = await cli('uninstall', '--force');
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(new RegExp(`instance ${name} removed with its data`));
    expect((await statusJson(home)).doc).toMatchObject({ installed: false, total_instances: 0 });
    if (engine === 'docker') expect(await docker('ps', '-aq', '--filter', `name=resource-postgres-${name}$`)).toBe('');
  }, 180_000);
});
