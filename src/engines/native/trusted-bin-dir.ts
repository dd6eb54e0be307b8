import { lstat, realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CliError } from '../../core/errors.js';

/**
 * A pg_bin directory (instance.conf's pg_bin, --pg-bin, RESOURCE_POSTGRES_PG_BIN) names
 * programs we run, as root (`postgres --version`, pg_dump) or as the server user with root's
 * choice of file. Run as root, anyone who can change that directory, one of its ancestors or
 * one of the programs can make root run their code. So, as root, each of them must be owned
 * by root or by the invoking user (us, or the sudo caller who could be root anyway) and not
 * writable by group or others. An ancestor writable by all but sticky (/tmp) is fine: there,
 * nobody else may rename or replace an entry they do not own. Checked on the path as named
 * and on its real path, so a link cannot lead the check around what will run.
 */
export interface TrustPolicy {
  /** Owners we accept. */
  owners: number[];
}

/** Root's policy, or null when we are not root (a user runs only what they could run anyway). */
export function rootTrustPolicy(env: NodeJS.ProcessEnv = process.env): TrustPolicy | null {
  if (process.getuid?.() !== 0) return null;
  const sudo = /^\d+$/.test(env.SUDO_UID ?? '') ? [Number(env.SUDO_UID)] : [];
  return { owners: [0, ...sudo] };
}

/** The path and each ancestor, deepest first. */
function chain(path: string): string[] {
  const out = [path];
  while (dirname(out.at(-1)!) !== out.at(-1)) out.push(dirname(out.at(-1)!));
  return out;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/** Why `path` (a directory, an ancestor of one, or a program) cannot be trusted; undefined if it can. */
async function distrust(path: string, policy: TrustPolicy, ancestor: boolean): Promise<string | undefined> {
  const st = await lstat(path);
  if (!policy.owners.includes(st.uid)) return `${path} is owned by uid ${st.uid}`;
  if (st.isSymbolicLink()) return undefined; // its target is checked through the real path
  const sticky = ancestor && st.isDirectory() && (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !sticky) return `${path} is writable by group or others (mode ${octal(st.mode)})`;
  return undefined;
}

/** Every reason not to run programs from `dir` as root (empty: trusted). Reads the file system only. */
export async function untrustedBinDirReasons(
  dir: string,
  programs: readonly string[],
  policy: TrustPolicy,
): Promise<string[]> {
  const named = resolve(dir);
  const real = await realpath(named).catch(() => named);
  const reasons = new Set<string>();
  for (const top of new Set([named, real])) {
    for (const [i, path] of chain(top).entries()) {
      const why = await distrust(path, policy, i > 0).catch(() => undefined);
      if (why) reasons.add(why);
    }
  }
  for (const program of programs) {
    const why = await distrust(join(real, program), policy, false).catch(() => undefined);
    if (why) reasons.add(why);
  }
  return [...reasons];
}

/** Refuses, with what to fix, a pg_bin directory that someone other than root (or the invoking user) could change. */
export async function assertTrustedBinDir(
  dir: string,
  programs: readonly string[],
  from: string,
  policy: TrustPolicy | null = rootTrustPolicy(),
): Promise<void> {
  if (!policy) return;
  const reasons = await untrustedBinDirReasons(dir, programs, policy);
  if (reasons.length === 0) return;
  throw new CliError(
    'refused',
    `refusing to run PostgreSQL programs from ${dir} (${from}) as root: ${reasons.join('; ')}`,
    {
      hint: `only root (or you) may be able to change them: chown root and chmod go-w each path named (chown root:root PATH && chmod go-w PATH), or use a directory that only root can change`,
    },
  );
}
