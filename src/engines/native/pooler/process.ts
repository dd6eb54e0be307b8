import { access, constants, lstat, readFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../../../core/errors.js';
import { PortTakenError } from '../../engine.js';
import { runAsServer, type ServerUser } from '../run-as.js';
import { openRegularNoFollow, readSmallNoFollow } from '../safe-fs.js';
import { parseProcStat } from '../state.js';
import { assertTrustedBinDir } from '../trusted-bin-dir.js';
import type { PoolerPaths } from './files.js';

/**
 * The PgBouncer process of one instance: found on PATH (Debian's /usr/sbin/pgbouncer), run
 * as the pooler's user with -d (it daemonizes, writing its pid file), stopped by signal. A
 * pid is only acted on while /proc says it is a live pgbouncer of that user, so a pid file
 * naming a recycled pid never gets another process killed.
 */

const SBIN_FALLBACK = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The pgbouncer program, or a clear error naming the package. */
export async function findPgbouncer(env: NodeJS.ProcessEnv, fallback = SBIN_FALLBACK): Promise<string> {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/')), ...fallback];
  for (const dir of dirs) {
    const file = join(dir, 'pgbouncer');
    if (
      !(await access(file, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      continue;
    await assertTrustedBinDir(dirname(file), ['pgbouncer'], 'PATH');
    return file;
  }
  throw new CliError('engine', 'PgBouncer is not installed: no pgbouncer program on PATH or in /usr/sbin', {
    hint: 'install it (Debian/Ubuntu: apt-get install pgbouncer), then run the command again',
  });
}

/** The pid of the instance's running pgbouncer, if one runs. */
export async function runningPid(paths: PoolerPaths, user: ServerUser | undefined): Promise<number | undefined> {
  const text = await readSmallNoFollow(paths.pidFile, 64);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await isPgbouncerOf(pid, user)) ? pid : undefined;
}

async function isPgbouncerOf(pid: number, user: ServerUser | undefined): Promise<boolean> {
  const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  if (!stat || stat.comm !== 'pgbouncer' || stat.state === 'Z' || stat.state === 'X') return false;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  return uid === (user?.uid ?? process.geteuid?.());
}

async function logSize(path: string): Promise<number> {
  return lstat(path).then(
    (s) => (s.isFile() ? s.size : 0),
    () => 0,
  );
}

/** What pgbouncer logged since `from` (last lines), read without following links. */
export async function logSince(path: string, from = 0, lines = 20): Promise<string> {
  const opened = await openRegularNoFollow(path);
  if (!opened) return '(no pooler log)';
  try {
    const start = Math.max(from, opened.st.size - 32 * 1024);
    const buf = Buffer.alloc(Math.max(0, opened.st.size - start));
    await opened.fh.read(buf, 0, buf.length, start);
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    await opened.fh.close();
  }
}

const BIND_FAILED = /bind\(\): Address already in use|Address already in use/;

/** Starts pgbouncer -d as the pooler's user and waits until its pid file names a live pgbouncer. */
export async function startPgbouncer(
  bin: string,
  paths: PoolerPaths,
  user: ServerUser | undefined,
  port: number,
): Promise<number> {
  const already = await runningPid(paths, user);
  if (already) return already;
  // A stale pid file would stop pgbouncer (it thinks another copy runs); removed with the user's rights.
  await runAsServer(user, 'rm', ['-f', '--', paths.pidFile], 15_000);
  const from = await logSize(paths.logFile);
  const res = await runAsServer(user, bin, ['-d', paths.ini], 30_000);
  const deadline = Date.now() + 10_000;
  while (res.exitCode === 0 && Date.now() < deadline) {
    const pid = await runningPid(paths, user);
    if (pid) return pid;
    if (BIND_FAILED.test(await logSince(paths.logFile, from))) break;
    await sleep(25);
  }
  const log = await logSince(paths.logFile, from);
  if (BIND_FAILED.test(log) || BIND_FAILED.test(res.output))
    throw new PortTakenError(port, 'PgBouncer could not bind it');
  throw new CliError('failed', `PgBouncer did not start (exit ${res.exitCode ?? 'none'})`, {
    details: `command: ${bin} -d ${paths.ini}\n${res.output.trim()}\n--- ${paths.logFile} (last lines) ---\n${log}`,
    hint: `read ${paths.logFile}; the pooler's settings are in ${paths.ini}`,
  });
}

/** SIGTERM (PgBouncer's immediate shutdown), then SIGKILL after a grace; true when it is gone. */
export async function stopPgbouncer(paths: PoolerPaths, user: ServerUser | undefined): Promise<boolean> {
  const pid = await runningPid(paths, user);
  if (!pid) return false;
  for (const [signal, graceMs] of [
    ['SIGTERM', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      break;
    }
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && (await isPgbouncerOf(pid, user))) await sleep(25);
    if (!(await isPgbouncerOf(pid, user))) break;
  }
  if (await isPgbouncerOf(pid, user))
    throw new CliError('failed', `PgBouncer (pid ${pid}) did not stop`, { hint: `kill it by hand: kill -9 ${pid}` });
  await runAsServer(user, 'rm', ['-f', '--', paths.pidFile], 15_000);
  return true;
}
