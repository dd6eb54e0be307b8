import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliRun, destroyHome, runCli, tempHome, TEST_IMAGE } from './cli.js';

/**
 * The streaming-replica suite, the same on both engines: a primary P and a replica R made
 * with `manage start --replica-of`, real servers throughout. `killPrimary` ends P the hard
 * way (kill -9 of the postmaster / docker kill) for the promote case.
 */
export interface ReplicaSuiteOptions {
  engine: 'native' | 'docker';
  primary: string;
  replica: string;
  killPrimary: (home: string, primary: string) => Promise<void>;
}

export function replicaSuite(o: ReplicaSuiteOptions): { cli: (args: string[]) => Promise<CliRun> } {
  const { primary: P, replica: R } = o;
  let home = '';
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { home, timeoutMs: 180_000 });
  const engineArgs = ['--engine', o.engine, ...(o.engine === 'docker' ? ['--image', TEST_IMAGE] : [])];
  const connect = async (name: string) => {
    const r = await cli(['credentials', '--instance', name, '--json', '--show-secrets']);
    const c = JSON.parse(r.stdout).connections[0];
    const client = new pg.Client({
      host: '127.0.0.1',
      port: c.connection.port,
      user: c.auth.username,
      password: c.auth.password,
      database: c.connection.database,
    });
    client.on('error', () => {});
    await client.connect();
    return client;
  };
  const sql = async (name: string, text: string) => {
    const client = await connect(name);
    try {
      return (await client.query(text)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };
  /** Polls `fn` until it returns true or `ms` passed; returns how long it took (or -1). */
  const within = async (ms: number, fn: () => Promise<boolean>) => {
    const t0 = Date.now();
    while (Date.now() - t0 <= ms) {
      if (await fn().catch(() => false)) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 20));
    }
    return -1;
  };
  const count = async (name: string) => Number((await sql(name, 'SELECT count(*) AS n FROM items'))[0]!.n);
  const status = async (name?: string) => {
    const r = await cli(['status', '--json', ...(name ? ['--instance', name] : [])]);
    return JSON.parse(r.stdout).instances as Array<Record<string, any>>;
  };

  beforeAll(async () => {
    home = await tempHome(`rp-replica-${o.engine}-`);
    const p = await cli(['manage', 'start', '--instance', P, ...engineArgs]);
    expect(p.stderr + p.stdout).toMatch(/accepting queries/);
    await sql(P, 'CREATE TABLE items (id serial PRIMARY KEY, v text)');
    const r = await cli(['manage', 'start', '--instance', R, '--replica-of', P]);
    expect(r.stderr + r.stdout).toMatch(new RegExp(`streaming from ${P}`));
    expect(r.code).toBe(0);
  });
  afterAll(async () => {
    await destroyHome(home);
  });

  it('a row written on P is visible on R within 1 s; R refuses writes and is marked read-only', async () => {
    // One open session on R, as an application reading from it would have: the poll times replication only.
    const reader = await connect(R);
    try {
      await sql(P, "INSERT INTO items (v) VALUES ('first')");
      const took = await within(
        1_000,
        async () => (await reader.query("SELECT 1 FROM items WHERE v = 'first'")).rowCount === 1,
      );
      expect(took).toBeGreaterThanOrEqual(0);
    } finally {
      await reader.end();
    }
    await expect(sql(R, "INSERT INTO items (v) VALUES ('no')")).rejects.toThrow(/read-only transaction/);
    const creds = await cli(['credentials', '--instance', R, '--json']);
    expect(JSON.parse(creds.stdout).connections[0].read_only).toBe(true);
    expect(JSON.parse(creds.stdout).connections[0].read_only_note).toMatch(
      new RegExp(`read-write on its primary ${P}`),
    );
    const credsText = (await cli(['credentials', '--instance', R])).stdout;
    expect(credsText).toMatch(/read-only: yes/);
    expect(credsText).toMatch(new RegExp(`note: .*read-write on its primary ${P}`));
    expect(
      JSON.parse((await cli(['credentials', '--instance', P, '--json'])).stdout).connections[0],
    ).not.toHaveProperty('read_only');
    // The replication role is R's own, and no configuration of R holds P's superuser password.
    const slots = await sql(
      P,
      'SELECT slot_name, active FROM pg_replication_slots WHERE slot_name LIKE $$rp_replica_%$$',
    );
    expect(slots).toEqual([{ slot_name: `rp_replica_${R}`, active: true }]);
    // R's WAL receiver never offers the password to a server that does not ask for SCRAM.
    const [conninfo] = await sql(R, 'SHOW primary_conninfo');
    expect(conninfo!.primary_conninfo).toMatch(/require_auth=scram-sha-256/);
  });

  it('status shows each role, the replica of P and its lag; text too', async () => {
    const all = await status();
    const p = all.find((i) => i.name === P)!;
    const r = all.find((i) => i.name === R)!;
    expect(p.role).toBe('primary');
    expect(p.replicas).toEqual([R]);
    expect(r.role).toBe('replica');
    expect(r.healthy).toBe(true);
    expect(r.replication).toEqual({
      primary: P,
      primary_reachable: true,
      lag_bytes: expect.any(Number),
      lag_seconds: expect.any(Number),
    });
    const text = (await cli(['status'])).stdout;
    expect(text).toMatch(new RegExp(`${R}: replica of ${P} \\(read-only\\), streaming, lag \\d+ bytes`));
    expect(text).toMatch(new RegExp(`${P}: primary of ${R}`));
  });

  it('re-running the same --replica-of starts R (exit 0); refuses another existing instance, a missing P, another engine or major, and changes nothing', async () => {
    const again = await cli(['manage', 'start', '--instance', R, '--replica-of', P]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/already running/);
    const other = o.engine === 'native' ? 'docker' : 'native';
    const cases: Array<[string[], RegExp]> = [
      [['--instance', P, '--replica-of', R], /already exists and is not a replica/],
      [['--instance', 'rx', '--replica-of', 'nosuch'], /no instance nosuch/],
      [['--instance', 'rx', '--replica-of', P, '--engine', other], /differs from the engine/],
      [['--instance', 'rx', '--replica-of', P, '--pg-version', '15'], /same major/],
      [['--instance', 'rx', '--replica-of', P, '--extensions', 'pg_trgm'], /read-only/],
      [['--instance', 'rx', '--replica-of', 'bad name'], /--replica-of/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['manage', 'start', ...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint:/);
    }
    expect((await status()).map((i) => i.name).sort()).toEqual([P, R].sort());
  });

  it('restart and re-creation of R keep it a replica; uninstall of a replica drops its slot; uninstall of P needs --force', async () => {
    expect((await cli(['manage', 'restart', '--instance', R])).code).toBe(0);
    await sql(P, "INSERT INTO items (v) VALUES ('after restart')");
    expect(await within(2_000, async () => (await count(R)) === (await count(P)))).toBeGreaterThanOrEqual(0);
    expect((await status(R))[0]!.role).toBe('replica');
    // Removed keeping its data (docker: the container goes), then back: still a streaming replica.
    expect((await cli(['manage', 'uninstall', '--instance', R, '--keep-data', '--force'])).code).toBe(0);
    expect((await cli(['manage', 'start', '--instance', R])).code).toBe(0);
    await sql(P, "INSERT INTO items (v) VALUES ('after keep-data')");
    expect(await within(2_000, async () => (await count(R)) === (await count(P)))).toBeGreaterThanOrEqual(0);

    const second = await cli(['manage', 'start', '--instance', `${R}2`, '--replica-of', P]);
    expect(second.code).toBe(0);
    const gone = await cli(['manage', 'uninstall', '--instance', `${R}2`, '--force']);
    expect(gone.stdout).toMatch(/dropped its replication slot/);
    const slots = await sql(P, 'SELECT slot_name FROM pg_replication_slots ORDER BY 1');
    expect(slots.map((s) => s.slot_name)).toEqual([`rp_replica_${R}`]);

    const refused = await cli(['manage', 'uninstall', '--instance', P]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`replicas: ${R}`));
    expect(refused.stderr).toMatch(/--force/);
    expect((await status(P))[0]!.state).toBe('running');
  });

  it('after P dies, R stays readable and says so; promote makes R writable with every committed row', async () => {
    await sql(P, "INSERT INTO items (v) SELECT 'bulk ' || g FROM generate_series(1, 200) g");
    const committed = await count(P);
    // Every committed row replayed before the kill: what promote must keep.
    expect(await within(5_000, async () => (await count(R)) === committed)).toBeGreaterThanOrEqual(0);
    await o.killPrimary(home, P);
    const down = await within(15_000, async () => (await status(R))[0]!.replication?.primary_reachable === false);
    expect(down).toBeGreaterThanOrEqual(0);
    const r = (await status(R))[0]!;
    expect(r.healthy).toBe(true);
    expect(r.health_message).toMatch(/primary unreachable/);
    expect((await cli(['status', '--instance', R])).stdout).toMatch(/primary unreachable/);
    expect(await count(R)).toBe(committed);

    // Docker: a promote cut short after pg_promote (the server is out of recovery, the record
    // still says replica) is finished by running it again. Native runs the whole promote.
    if (o.engine === 'docker') await sql(R, 'SELECT pg_promote(true, 60)');
    const promoted = await cli(['manage', 'promote', '--instance', R]);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/promoted/);
    expect(promoted.stdout).toMatch(/could not drop its replication slot/);
    await sql(R, "INSERT INTO items (v) VALUES ('written on the promoted replica')");
    expect(await count(R)).toBe(committed + 1);
    const after = (await status(R))[0]!;
    expect(after.role).toBe('primary');
    expect(after).not.toHaveProperty('replication');
    expect(
      JSON.parse((await cli(['credentials', '--instance', R, '--json'])).stdout).connections[0],
    ).not.toHaveProperty('read_only');
    const again = await cli(['manage', 'promote', '--instance', R]);
    expect(again.stderr).toMatch(/not a replica/);
  });
  return { cli };
}
