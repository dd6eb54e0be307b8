import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { destroyHome, runCli } from './cli.js';
import { processesMentioning } from './reliability.js';

/**
 * Fixtures of the spare suites (spares-native, spares-docker): runs with spares on (the
 * harness turns them off for every other suite), polls for a ready spare, reads instances'
 * system identifiers and credentials, and finds what a builder could leave behind.
 */

export const SPARES_ON = { RESOURCE_POSTGRES_SPARES: 'on' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function cli(home: string, args: string[], timeoutMs = 180_000) {
  return runCli(args, { home, env: SPARES_ON, timeoutMs });
}

/** manage start of a new instance; returns its item (from_spare when a spare served it) and stderr. */
export async function create(home: string, name: string, extra: string[]) {
  const r = await cli(home, ['manage', 'start', '--instance', name, ...extra, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return { item: JSON.parse(r.stdout).instances[0] as { port: number; from_spare?: boolean }, stderr: r.stderr };
}

export async function spares(home: string): Promise<Array<{ engine: string; state: string; major: string | null }>> {
  const r = await cli(home, ['status', '--verbose', '--json']);
  return JSON.parse(r.stdout).spares;
}

/** Waits until the home has a ready spare of `engine` and no builder at work; returns the ready spares' records' ids. */
export async function readySpare(home: string, engine: string, timeoutMs = 150_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await spares(home);
    const ready = list.filter((s) => s.engine === engine && s.state === 'ready');
    if (ready.length > 0 && !list.some((s) => s.engine === engine && s.state === 'building')) return recordIds(home);
    if (Date.now() > deadline)
      throw new Error(`no ready ${engine} spare after ${timeoutMs} ms: ${JSON.stringify(list)}`);
    await sleep(250);
  }
}

export async function recordIds(home: string): Promise<string[]> {
  return (await readdir(join(home, '.spares')).catch(() => [] as string[]))
    .filter((n) => /^[0-9a-f]{12}\.json$/.test(n))
    .map((n) => n.slice(0, 12));
}

export async function readRecord(home: string, id: string): Promise<Record<string, string>> {
  return JSON.parse(await readFile(join(home, '.spares', `${id}.json`), 'utf8'));
}

/** Rewrites a spare's recorded key: as if other binaries, image or template contents had built it. */
export async function makeStale(home: string, id: string): Promise<void> {
  const record = await readRecord(home, id);
  record.key = record.key!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await writeFile(join(home, '.spares', `${id}.json`), JSON.stringify(record));
}

export async function creds(home: string, name: string) {
  const r = await cli(home, ['credentials', '--instance', name, '--json', '--show-secrets']);
  const c = JSON.parse(r.stdout).connections[0];
  return {
    port: c.connection.port as number,
    user: c.auth.username as string,
    password: c.auth.password as string,
    database: c.connection.database as string,
  };
}

export async function query(c: Awaited<ReturnType<typeof creds>>, sql: string, password = c.password) {
  const client = new pg.Client({ host: '127.0.0.1', port: c.port, user: c.user, password, database: c.database });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

export async function systemIdentifier(home: string, name: string): Promise<string> {
  const rows = await query(await creds(home, name), 'select system_identifier::text as id from pg_control_system()');
  return String(rows[0]!.id);
}

/** Spare builder processes of this engine on the machine (their argv names the engine). */
export async function builders(engine: string) {
  return (await processesMentioning('__spare-build')).filter((p) => p.args.includes(`"engine":"${engine}"`));
}

export async function waitNoBuilder(engine: string, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await builders(engine)).length > 0) {
    if (Date.now() > deadline) throw new Error(`a ${engine} spare builder still runs after ${timeoutMs} ms`);
    await sleep(200);
  }
}

export function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
    ),
  );
}

/**
 * Destroys the home while a builder works (rm -rf, no uninstall), then puts back its
 * instances (not its spares) so the usual teardown uninstalls them. Returns once the builder is gone.
 */
export async function destroyUnderBuilder(home: string, engine: string): Promise<void> {
  const aside = `${home}.aside`;
  await cp(home, aside, { recursive: true });
  await rm(home, { recursive: true, force: true });
  await waitNoBuilder(engine);
  await rm(join(aside, '.spares'), { recursive: true, force: true });
  await cp(aside, home, { recursive: true });
  await rm(aside, { recursive: true, force: true });
}

export async function teardown(home: string | undefined): Promise<void> {
  if (home) await destroyHome(home);
}
