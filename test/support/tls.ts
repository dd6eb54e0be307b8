import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import pg from 'pg';
import { expect } from 'vitest';
import { runCli } from './cli.js';

/** Shared steps of the TLS suites (tls-native, tls-docker): real servers, psql 15 and node-postgres as clients. */
export interface Conn {
  host: string;
  port: number;
  database: string;
  ssl: boolean;
  sslmode: string;
  sslrootcert?: string;
}
export interface Creds {
  connection: Conn;
  auth: { username: string; password: string };
  metadata: { url: string };
}

/** Every byte the CLI printed in a suite: checked at the end for key material. */
export const printed: string[] = [];

export async function cli(args: string[], home: string, timeoutMs = 180_000) {
  const r = await runCli(args, { home, timeoutMs });
  printed.push(r.stdout, r.stderr);
  return r;
}

export async function credentials(home: string, name: string): Promise<Creds> {
  const r = await cli(['credentials', '--instance', name, '--format', 'json', '--show-secrets'], home);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { connections: Creds[] }).connections[0]!;
}

/** psql (Debian's 15 on the host) with a connection string; resolves exit code and output. */
export function psql(conninfo: string, sql: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      '/usr/bin/psql',
      [conninfo, '-X', '-At', '-c', sql],
      { env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...env }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** node-postgres: verify-full against the CA (node checks the chain and the IP/host SANs). */
export async function nodePg(c: Creds, ssl: boolean | { ca: string }): Promise<{ ssl: boolean; serial?: string }> {
  const client = new pg.Client({
    host: c.connection.host,
    port: c.connection.port,
    user: c.auth.username,
    password: c.auth.password,
    database: c.connection.database,
    ssl: typeof ssl === 'object' ? { ca: ssl.ca, rejectUnauthorized: true } : ssl,
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const res = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    const stream = (client as unknown as { connection: { stream: Partial<TLSSocket> } }).connection.stream;
    const serial = stream.getPeerCertificate?.()?.serialNumber?.toUpperCase();
    return { ssl: res.rows[0]!.ssl, serial };
  } finally {
    await client.end().catch(() => {});
  }
}

export const caOf = (c: Creds) => ({ ca: readFileSync(c.connection.sslrootcert!, 'utf8') });

/** A key-value libpq conninfo (psql 15 needs no URL encoding then). */
export const conninfo = (c: Creds, sslmode: string, host = c.connection.host) =>
  `host=${host} port=${c.connection.port} dbname=${c.connection.database} user=${c.auth.username} password=${c.auth.password} sslmode=${sslmode}` +
  (sslmode.startsWith('verify') ? ` sslrootcert=${c.connection.sslrootcert}` : '');

/** No private key, nor any line of one, in anything the CLI printed. */
export function expectNoKeyPrinted(keys: string[]): void {
  const all = printed.join('\n');
  expect(all).not.toContain('PRIVATE KEY');
  for (const key of keys) {
    const body = key.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of body) expect(all).not.toContain(line);
  }
}

/** The full TLS round: verify-full with psql and node-postgres, plain refused, rotation, disable. */
export async function tlsRound(home: string, name: string, readKeys: () => Promise<string[]>): Promise<void> {
  const c = await credentials(home, name);
  expect(c.connection).toMatchObject({ ssl: true, sslmode: 'verify-full' });
  expect(c.connection.sslrootcert).toBe(`${home}/.tls/ca.crt`);
  expect(c.metadata.url).toContain(`sslmode=verify-full&sslrootcert=${encodeURIComponent(c.connection.sslrootcert!)}`);
  const env = await cli(['credentials', '--instance', name, '--format', 'env'], home);
  expect(env.stdout).toContain(`PGSSLMODE='verify-full'`);
  expect(env.stdout).toContain(`PGSSLROOTCERT='${home}/.tls/ca.crt'`);
  expect(env.stdout).toContain(`POSTGRES_SSLMODE='verify-full'`);

  // psql: verify-full by IP and by name, and through the URL credentials print.
  for (const host of ['127.0.0.1', 'localhost']) {
    const r = await psql(conninfo(c, 'verify-full', host), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(r, r.out).toMatchObject({ code: 0, out: 't\n' });
  }
  expect((await psql(c.metadata.url, 'SELECT 1')).out).toBe('1\n');
  const before = await nodePg(c, caOf(c));
  expect(before.ssl).toBe(true);

  // Required: plain TCP is refused, by psql and by node-postgres.
  const plain = await psql(conninfo(c, 'disable'), 'SELECT 1');
  expect(plain.code).not.toBe(0);
  expect(plain.out).toMatch(/no encryption/);
  await expect(nodePg(c, false)).rejects.toThrow(/no encryption/);
  // A CA that is not this home's is refused by verify-full.
  const wrongCa = await psql(
    conninfo(c, 'verify-full').replace(/sslrootcert=\S+/, 'sslrootcert=/etc/ssl/certs/ca-certificates.crt'),
    'SELECT 1',
  );
  expect(wrongCa.code).not.toBe(0);

  // The program's own work still connects (status probes over TCP with verify-full).
  const status = await cli(['status', '--instance', name, '--json'], home);
  expect(JSON.parse(status.stdout).healthy, status.stdout).toBe(true);

  // Rotation: a new serial, the same CA; a client that kept the old CA file connects.
  const caBefore = caOf(c);
  const rot = await cli(['manage', 'tls', 'rotate', '--instance', name, '--json'], home);
  expect(rot.code, rot.stderr + rot.stdout).toBe(0);
  const rotated = JSON.parse(rot.stdout) as { tls: { serial: string; applied: string } };
  expect(['reloaded', 'restarted']).toContain(rotated.tls.applied);
  const after = await nodePg(c, caBefore);
  expect(after.serial).toBe(rotated.tls.serial);
  expect(after.serial).not.toBe(before.serial);
  expect((await psql(conninfo(c, 'verify-full'), 'SELECT 1')).out).toBe('1\n');

  expectNoKeyPrinted(await readKeys());

  // Off: plain connections work again and credentials say so.
  const off = await cli(['manage', 'tls', 'disable', '--instance', name], home);
  expect(off.code, off.stderr).toBe(0);
  const plainNow = await credentials(home, name);
  expect(plainNow.connection).toMatchObject({ ssl: false, sslmode: 'disable' });
  expect(plainNow.connection.sslrootcert).toBeUndefined();
  expect((await psql(conninfo(plainNow, 'disable'), 'SELECT 1')).out).toBe('1\n');
}
