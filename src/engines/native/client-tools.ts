import { access, constants, readdir, realpath } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { execa } from './exec.js';
import { ENV } from '../../core/defaults.js';
import type { Instance } from '../../core/instance.js';
import { parseToolVersion, toolSuits } from '../../core/pg-version.js';
import type { ClientProgram, ClientToolsCheck } from '../engine.js';
import { installHint } from './client-install-hint.js';
import { assertTrustedBinDir, rootTrustPolicy, untrustedBinDirReasons } from './trusted-bin-dir.js';

/**
 * The npm server package ships no client programs, so logical backups, restores, clones and
 * upgrades on the native engine need a pg_dump (with pg_dumpall, pg_restore, psql beside it)
 * of the server's major or newer from the host. Searched in this order (issue 13):
 *   1. the instance's pg_bin / --pg-bin, then RESOURCE_POSTGRES_PG_BIN
 *   2. Debian/Ubuntu's /usr/lib/postgresql/<N>/bin, newest N first (what apt.postgresql.org's
 *      postgresql-client-N and test/clients/install-pg-clients.sh install)
 *   3. Homebrew's <prefix>/opt/postgresql@N/bin, newest N first
 *   4. PATH
 * The first directory with all four programs and a pg_dump >= the server's major wins; an older
 * one refuses the server, so it is named in the error, not used. (A docker image's clients,
 * the last resort, are native-clients.ts's business.)
 */
export const CLIENT_PROGRAMS: ClientProgram[] = ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql'];

/** Where the well-known installs live; injected by tests. */
export interface ClientSearch {
  debianRoot: string;
  homebrewOpt: string[];
}

export const DEFAULT_SEARCH: ClientSearch = {
  debianRoot: '/usr/lib/postgresql',
  homebrewOpt: ['/opt/homebrew/opt', '/usr/local/opt', '/home/linuxbrew/.linuxbrew/opt'],
};

export interface Candidate {
  dir: string;
  /** Named by the user (checked strictly) or found (skipped when untrusted). */
  named?: string;
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Subdirectories of `root` named by `pattern` (capturing the major), newest major first. */
async function versioned(root: string, pattern: RegExp, sub: (name: string) => string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names
    .map((n) => ({ n, m: pattern.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(b.m[1]) - Number(a.m[1]))
    .map((x) => sub(x.n));
}

/** Directories to look in, in search order, without duplicates (by real path). */
export async function candidateDirs(
  instance: Pick<Instance, 'pgBin'>,
  env: NodeJS.ProcessEnv,
  search: ClientSearch = DEFAULT_SEARCH,
): Promise<Candidate[]> {
  const list: Candidate[] = [];
  if (instance.pgBin) list.push({ dir: instance.pgBin, named: 'pg_bin (--pg-bin)' });
  if (env[ENV.pgBin]) list.push({ dir: env[ENV.pgBin]!, named: ENV.pgBin });
  const debian = await versioned(search.debianRoot, /^(\d+)$/, (n) => join(search.debianRoot, n, 'bin'));
  list.push(...debian.map((dir) => ({ dir })));
  for (const opt of search.homebrewOpt) {
    const brew = await versioned(opt, /^postgresql@(\d+)$/, (n) => join(opt, n, 'bin'));
    list.push(...brew.map((dir) => ({ dir })));
  }
  list.push(...(env.PATH ?? '').split(delimiter).map((dir) => ({ dir })));
  // /bin -> /usr/bin and similar links would list the same programs twice.
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const c of list.filter((x) => x.dir)) {
    const real = await realpath(resolve(c.dir)).catch(() => resolve(c.dir));
    if (seen.has(real)) continue;
    seen.add(real);
    out.push({ ...c, dir: real });
  }
  return out;
}

/** The first directory holding all four client programs of a suitable version; else why not. */
export async function findClientDir(
  instance: Pick<Instance, 'pgBin'>,
  serverMajor: number,
  env: NodeJS.ProcessEnv = process.env,
  search: ClientSearch = DEFAULT_SEARCH,
): Promise<ClientToolsCheck & { dir?: string }> {
  // The directories named by the user run as root too: refuse ones someone else could change.
  if (instance.pgBin) await assertTrustedBinDir(instance.pgBin, CLIENT_PROGRAMS, 'pg_bin (--pg-bin)');
  if (env[ENV.pgBin]) await assertTrustedBinDir(env[ENV.pgBin]!, CLIENT_PROGRAMS, ENV.pgBin);
  const policy = rootTrustPolicy(env);
  const seen: string[] = [];
  for (const { dir, named } of await candidateDirs(instance, env, search)) {
    if (!(await executable(join(dir, 'pg_dump')))) continue;
    // Found, not named: as root, a directory someone else can change is passed over, never run.
    const distrust = named || !policy ? [] : await untrustedBinDirReasons(dir, CLIENT_PROGRAMS, policy);
    if (distrust.length) {
      seen.push(`${dir} skipped: ${distrust.join('; ')}`);
      continue;
    }
    const res = await execa(join(dir, 'pg_dump'), ['--version'], { reject: false, timeout: 10_000 });
    const parsed = res.exitCode === 0 ? parseToolVersion(String(res.stdout)) : undefined;
    if (!parsed) continue;
    const complete = (await Promise.all(CLIENT_PROGRAMS.map((p) => executable(join(dir, p))))).every(Boolean);
    if (toolSuits(parsed.major, serverMajor) && complete)
      return { ok: true, version: parsed.version, major: parsed.major, where: dir, dir };
    seen.push(
      `${join(dir, 'pg_dump')} is ${parsed.version}${complete ? '' : ' (without all of pg_dumpall, pg_restore, psql)'}`,
    );
  }
  return {
    ok: false,
    reason: `no pg_dump ${serverMajor} or newer was found on this machine${seen.length ? ` (${seen.join('; ')}; pg_dump refuses a newer server)` : " (the native engine's PostgreSQL package ships server programs only)"}`,
    hint: installHint(serverMajor),
  };
}
