import { spawnSync } from 'node:child_process';
import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { findInstanceUser, killUserProcesses } from '../../src/engines/native/os-users.js';
import { credentials, forceCleanup, run } from './reliability.js';

/**
 * Tools of the isolation suite: SQL run by a tenant through its own credentials (COPY ... TO
 * PROGRAM runs as the server's OS user), host files that must stay untouched, and a cleanup
 * that also removes the OS users made for a home's instances.
 */

/** Fails in CI when not root (CI runs as root); elsewhere the caller skips with this message. */
export function rootOnly(suite: string): boolean {
  const root = process.getuid?.() === 0;
  if (!root && process.env.CI) throw new Error(`CI runs as root: the ${suite} suite must run there`);
  if (!root) console.warn(`skipping the ${suite} suite: it needs root (one OS user per instance)`);
  return root;
}

export interface Tenant {
  name: string;
  url: string;
  dataDir: string;
  root: string;
}

export async function tenant(home: string, name: string): Promise<Tenant> {
  const env = await credentials(home, name);
  const conf = await readFile(join(home, name, 'config', 'instance.conf'), 'utf8');
  const dataDir = /^data_dir="(.*)"$/m.exec(conf)?.[1] ?? join(home, name, 'data');
  return { name, url: env.DATABASE_URL!, dataDir, root: join(dataDir, '..') };
}

/** Runs a shell command as the tenant's server user; its output (stderr too) comes back as text. */
export async function asTenant(t: Tenant, command: string): Promise<string> {
  const quoted = `{ ${command} ; } 2>&1; true`.replace(/'/g, "''");
  const sql = `CREATE TEMP TABLE out (l text); COPY out FROM PROGRAM '${quoted}' WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e'); SELECT coalesce(string_agg(l, E'\\n'), '') FROM out`;
  const r = await run('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, t.url], 20_000);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

/** A root-owned 0600 file with known content: a link planted by a tenant must never change it. */
export interface HostFile {
  path: string;
  content: string;
}

export async function hostFile(dir: string, name: string): Promise<HostFile> {
  const file = { path: join(dir, name), content: `host secret ${name}\n` };
  await writeFile(file.path, file.content, { mode: 0o600 });
  return file;
}

export async function expectUntouched(files: HostFile[], when: string): Promise<void> {
  for (const f of files) {
    const st = await lstat(f.path);
    expect({ when, path: f.path, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({
      when,
      path: f.path,
      uid: 0,
      gid: 0,
      mode: 0o600,
    });
    expect(await readFile(f.path, 'utf8'), `${f.path} ${when}`).toBe(f.content);
  }
}

export function userExists(name: string): boolean {
  return spawnSync('getent', ['passwd', name]).status === 0;
}

/** forceCleanup, then the OS users made for these instances of the home. */
export async function cleanupWithUsers(home: string, names: string[]): Promise<void> {
  await forceCleanup(home);
  for (const name of names) {
    const user = await findInstanceUser(home, name);
    if (!user) continue;
    await killUserProcesses(user);
    await run('userdel', [user.name]);
  }
  await rm(home, { recursive: true, force: true });
}
