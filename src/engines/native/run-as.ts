import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { CliError } from '../../core/errors.js';
import { RELOCATION_ROOT } from './layout.js';

/**
 * PostgreSQL refuses to run as root (initdb, pg_ctl and postgres all check). When we are
 * root, the server programs run as an unprivileged system user through spawn's uid/gid
 * (no su/sudo, no shell). libuv drops supplementary groups when it switches, so the child
 * has exactly this uid and gid; the traversal check below runs the same way, so it sees
 * exactly what the server will see.
 */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Preferred: the distribution's `postgres` user; else our own, created on first need. */
export const SERVER_USER_NAMES = ['postgres', 'resource-postgres'] as const;

/** "name:x:uid:gid:gecos:home:shell" -> ServerUser. */
export function parsePasswdLine(line: string): ServerUser | undefined {
  const f = line.trim().split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return undefined;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' };
}

async function lookupUser(name: string): Promise<ServerUser | undefined> {
  const res = await execa('getent', ['passwd', name], { reject: false, timeout: 10_000 });
  if (res.exitCode === 0) return parsePasswdLine(String(res.stdout));
  if (res.exitCode !== 2 && res.exitCode !== 1) {
    // No getent (minimal systems): the local passwd file is all there is.
    const text = await readFile('/etc/passwd', 'utf8').catch(() => '');
    return text
      .split('\n')
      .map(parsePasswdLine)
      .find((u) => u?.name === name);
  }
  return undefined;
}

/** Whom the server runs as: undefined when we are not root (then it runs as us). */
export async function findServerUser(create = true): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of SERVER_USER_NAMES) {
    const user = await lookupUser(name);
    if (user && user.uid !== 0) return user;
  }
  if (!create) return undefined;
  const name = SERVER_USER_NAMES[1];
  const res = await execa(
    'useradd',
    [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      RELOCATION_ROOT,
      '--shell',
      '/usr/sbin/nologin',
      '--comment',
      'resource-postgres server',
      name,
    ],
    { reject: false, timeout: 30_000, all: true },
  );
  const user = await lookupUser(name);
  if (user) return user;
  throw new CliError(
    'engine',
    `running as root, PostgreSQL needs an unprivileged user, and creating "${name}" failed: ${String(res.all ?? res.shortMessage).trim()}`,
    {
      hint: 'create one with: useradd --system --user-group --shell /usr/sbin/nologin postgres, or run resource-postgres as a non-root user',
    },
  );
}

/** A small, clean environment: no PGPASSWORD/PGDATA/PGPORT leaking in from the caller. */
export function serverEnv(user: ServerUser | undefined, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = { PATH: env.PATH || '/usr/local/bin:/usr/bin:/bin' };
  const home = user?.home ?? env.HOME;
  if (home) out.HOME = home;
  const name = user?.name ?? env.USER ?? env.LOGNAME;
  if (name) Object.assign(out, { USER: name, LOGNAME: name });
  if (env.TZ) out.TZ = env.TZ;
  return out;
}

export interface RunResult {
  exitCode: number | undefined;
  /** stdout and stderr interleaved. */
  output: string;
  timedOut: boolean;
}

/** Runs a server program as the server user (or as us), never rejecting: callers read exitCode. */
export async function runAsServer(
  user: ServerUser | undefined,
  file: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<RunResult> {
  const res = await execa(file, args, {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    env: serverEnv(user),
    extendEnv: false,
    // The server user may not be able to enter our working directory.
    cwd: '/',
    stdin: 'ignore',
    reject: false,
    timeout: timeoutMs,
    all: true,
  });
  return { exitCode: res.exitCode, output: String(res.all ?? res.shortMessage ?? ''), timedOut: Boolean(res.timedOut) };
}

/** Can the server user reach (search) all these directories? Asked as that user, so ACLs and every ancestor count. */
export async function canTraverse(user: ServerUser, ...dirs: string[]): Promise<boolean> {
  const args = dirs.flatMap((dir, i) => (i === 0 ? ['-x', dir] : ['-a', '-x', dir]));
  const res = await execa('test', args, {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    reject: false,
    timeout: 10_000,
    env: serverEnv(user),
    extendEnv: false,
  });
  return res.exitCode === 0;
}
