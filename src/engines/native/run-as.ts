import { basename } from 'node:path';
import { execa } from './exec.js';
import { trace } from '../../core/trace.js';

/**
 * PostgreSQL refuses to run as root (initdb, pg_ctl and postgres all check). When we are
 * root, the server programs run as the instance's own unprivileged system user (os-users.ts)
 * through spawn's uid/gid (no su/sudo, no shell). libuv drops supplementary groups when it switches, so the child
 * has exactly this uid and gid; the traversal check below runs the same way, so it sees
 * exactly what the server will see.
 */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** The passwd comment (GECOS) field: our marker on users made for one instance. */
  comment?: string;
}

/** "name:x:uid:gid:gecos:home:shell" -> ServerUser. */
export function parsePasswdLine(line: string): ServerUser | undefined {
  const f = line.trim().split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return undefined;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/', comment: f[4] ?? '' };
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

export interface RunOptions {
  /** Fed to standard input (else it is closed). */
  input?: string;
  /** A file we (root) open and feed to standard input: the server user need not be able to read it. */
  inputFile?: string;
}

/**
 * Runs a program as the server user (or as us), never rejecting: callers read exitCode. Work
 * inside directories the server user can write is done this way, with that user's rights, so
 * a link planted there can reach nothing the server user could not reach anyway.
 */
export async function runAsServer(
  user: ServerUser | undefined,
  file: string,
  args: readonly string[],
  timeoutMs: number,
  opts: RunOptions = {},
): Promise<RunResult> {
  const stdin = opts.inputFile ? { inputFile: opts.inputFile } : opts.input !== undefined ? { input: opts.input } : {};
  const res = await trace.span(`run ${basename(file)} ${args[0] ?? ''}`, () =>
    execa(file, args, {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: serverEnv(user),
      extendEnv: false,
      // The server user may not be able to enter our working directory.
      cwd: '/',
      ...(opts.inputFile || opts.input !== undefined ? stdin : { stdin: 'ignore' as const }),
      reject: false,
      timeout: timeoutMs,
      all: true,
    }),
  );
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
