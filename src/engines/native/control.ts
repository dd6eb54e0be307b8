import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { PortTakenError } from '../engine.js';
import { pgCtlArgs, pgCtlStatusState, showCommand } from './argv.js';
import type { PgBinaries } from './binaries.js';
import type { NativeLayout } from './layout.js';
import { type RunResult, runAsServer, type ServerUser } from './run-as.js';
import { openRegularNoFollow, readSmallNoFollow } from './safe-fs.js';
import { type Liveness, parsePostmasterPid, type PostmasterPid, processLiveness } from './state.js';

/**
 * pg_ctl start/stop with the evidence a failure needs: the command and the server log tail.
 * The pid file, socket lock and log sit in directories the server user can write: root reads
 * them without following links, and what must go is removed as the server user.
 */

export async function readPidFile(dataDir: string): Promise<{ pidFile?: PostmasterPid; liveness?: Liveness }> {
  const text = await readSmallNoFollow(join(dataDir, 'postmaster.pid'), 4096);
  const pidFile = text === undefined ? undefined : parsePostmasterPid(text);
  return pidFile ? { pidFile, liveness: await processLiveness(pidFile.pid) } : {};
}

async function logSize(path: string): Promise<number> {
  return lstat(path).then(
    (s) => (s.isFile() ? s.size : 0),
    () => 0,
  );
}

/** Removes a file in one of the server's directories, as the server user. */
async function removeAsServer(user: ServerUser | undefined, path: string): Promise<void> {
  await runAsServer(user, 'rm', ['-f', '--', path], 15_000);
}

/** The log written since `from`, last `lines` lines. */
async function logSince(path: string, from: number, lines = 20): Promise<string> {
  const opened = await openRegularNoFollow(path);
  if (!opened) return '(no server log)';
  try {
    const size = opened.st.size;
    const start = Math.max(from, size - 64 * 1024);
    const buf = Buffer.alloc(Math.max(0, size - start));
    await opened.fh.read(buf, 0, buf.length, start);
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  } finally {
    await opened.fh.close();
  }
}

/**
 * The socket's lock file names the postmaster that made it; a dead one's (a zombie that
 * nobody reaps still answers kill(0)) would stop the next postmaster, so it goes too.
 */
async function clearStaleSocketLock(user: ServerUser | undefined, socketDir: string, port: number): Promise<void> {
  const lock = join(socketDir, `.s.PGSQL.${port}.lock`);
  const text = await readSmallNoFollow(lock, 4096);
  const owner = text === undefined ? undefined : parsePostmasterPid(text);
  if (text !== undefined && (!owner || (await processLiveness(owner.pid)) !== 'alive'))
    await removeAsServer(user, lock);
}

const BIND_FAILED = /could not bind IPv[46] address[^\n]*|could not create any TCP\/IP sockets/;
// Children of a killed postmaster can hold its shared memory for a moment.
const SHMEM_BUSY = /pre-existing shared memory block .* is still in use/;

export interface StartInput {
  instance: Instance;
  layout: NativeLayout;
  bins: PgBinaries;
  user: ServerUser | undefined;
  timeoutSec: number;
}

/** Starts the postmaster with pg_ctl -w; a stale postmaster.pid (its pid gone) is removed first. */
export async function startServer({ instance, layout, bins, user, timeoutSec }: StartInput): Promise<void> {
  const { pidFile, liveness } = await readPidFile(layout.data);
  if (liveness === 'alive') return;
  // PostgreSQL itself clears a stale file only when kill(pid, 0) fails; a zombie or a reused
  // pid (or EPERM on root's process) would block it, and we have checked the process already.
  if (pidFile) await removeAsServer(user, join(layout.data, 'postmaster.pid'));
  await clearStaleSocketLock(user, layout.socketDir, instance.port);
  const from = await logSize(layout.logFile);
  const configFile = join(layout.confDir, 'postgresql.conf');
  const args = pgCtlArgs('start', { dataDir: layout.data, logFile: layout.logFile, timeoutSec, configFile });
  const deadline = Date.now() + timeoutSec * 1000;
  for (;;) {
    const res = await startedOrReady(runAsServer(user, bins.pgCtl, args, (timeoutSec + 15) * 1000), layout.data);
    if (res === 'ready' || res.exitCode === 0) return;
    const log = await logSince(layout.logFile, from);
    const bind = BIND_FAILED.exec(log);
    if (bind) throw new PortTakenError(instance.port, bind[0].trim());
    if (SHMEM_BUSY.test(log) && Date.now() < deadline) {
      await sleep(500);
      continue;
    }
    const timedOut = res.timedOut || /did not start in time/.test(res.output);
    throw new CliError(
      timedOut ? 'timeout' : 'failed',
      `pg_ctl could not start instance ${instance.name} (exit ${res.exitCode ?? 'none'})`,
      {
        details: `command: ${showCommand(bins.pgCtl, args)}\n${res.output.trim()}\n--- ${layout.logFile} (last lines) ---\n${log}`,
        hint: `read the server log with: resource-postgres logs --instance ${instance.name} --tail 200`,
      },
    );
  }
}

/**
 * pg_ctl -w reads postmaster.pid every 100 ms for the "ready" status; a warm server is ready
 * after ~40 ms, so it returned ~60 ms late on every start. We read the same file every 10 ms
 * and return as soon as a live postmaster says ready (pg_ctl's own criterion). pg_ctl is left
 * to notice on its own; the postmaster runs in its own session, so pg_ctl's end changes nothing.
 */
async function startedOrReady(pgCtl: Promise<RunResult>, dataDir: string): Promise<RunResult | 'ready'> {
  let settled = false;
  const done = pgCtl.finally(() => {
    settled = true;
  });
  while (!settled) {
    const { pidFile, liveness } = await readPidFile(dataDir);
    if (liveness === 'alive' && pidFile?.status === 'ready') return 'ready';
    await Promise.race([done, sleep(10)]);
  }
  return done;
}

export interface StopInput {
  instance: Instance;
  layout: NativeLayout;
  bins: PgBinaries;
  user: ServerUser | undefined;
  timeoutSec: number;
  force?: boolean;
}

/**
 * pg_ctl stop -m fast (immediate with force), when stopBySignal could not signal; after a
 * signal that timed out (`signalled`) only the verdict and its error remain.
 */
export async function stopServer(input: StopInput & { signalled?: 'timeout' }): Promise<void> {
  const { instance, layout, bins, user, timeoutSec, force } = input;
  const args = pgCtlArgs('stop', { dataDir: layout.data, timeoutSec, force });
  const res = input.signalled
    ? { exitCode: undefined, output: `signalled the postmaster; it was still running after ${timeoutSec} s` }
    : await runAsServer(user, bins.pgCtl, args, (timeoutSec + 15) * 1000);
  if (res.exitCode === 0) return;
  const status = await runAsServer(user, bins.pgCtl, pgCtlArgs('status', { dataDir: layout.data }), 15_000);
  if (pgCtlStatusState(status.exitCode) !== 'running') return;
  throw new CliError(force ? 'failed' : 'timeout', `instance ${instance.name} did not stop within ${timeoutSec} s`, {
    details: `command: ${showCommand(bins.pgCtl, args)}\n${res.output.trim()}`,
    hint: force
      ? `see the server log: resource-postgres logs --instance ${instance.name}`
      : 'retry with --force for an immediate shutdown (the server replays its WAL on the next start; committed data is kept)',
  });
}

/**
 * Stops the postmaster the way pg_ctl stop does (SIGINT for -m fast, SIGQUIT for immediate)
 * and waits by pg_ctl's own criterion (postmaster.pid gone, or its process gone), but reads
 * the file every 5 ms: pg_ctl sleeps 100 ms between reads, so it returned up to 100 ms after
 * the server had stopped. 'unsent': no live postmaster named by the pid file could be
 * signalled (pg_ctl stop decides then).
 */
export async function stopBySignal(
  dataDir: string,
  timeoutSec: number,
  force?: boolean,
): Promise<'stopped' | 'timeout' | 'unsent'> {
  const { pidFile, liveness } = await readPidFile(dataDir);
  if (!pidFile || liveness !== 'alive') return 'unsent';
  try {
    process.kill(pidFile.pid, force ? 'SIGQUIT' : 'SIGINT');
  } catch {
    return 'unsent';
  }
  const deadline = Date.now() + timeoutSec * 1000;
  for (;;) {
    const now = await readPidFile(dataDir);
    if (!now.pidFile || now.pidFile.pid !== pidFile.pid || now.liveness !== 'alive') return 'stopped';
    if (Date.now() >= deadline) return 'timeout';
    await sleep(5);
  }
}

export interface StopPlan {
  instance: Instance;
  layout: NativeLayout;
  timeoutSec: number;
  force?: boolean;
  /** Needed only when the signal cannot be sent: found (and their version asked) then. */
  binaries: () => Promise<PgBinaries>;
  /** Whom pg_ctl runs as: whoever owns the data (an older version's server ran as its shared user). */
  owner: (dataDir: string) => Promise<ServerUser | undefined>;
}

/** The engine's stop: a server that is not running is stopped already; the signal first, pg_ctl when it cannot be sent. */
export async function stopInstanceServer(plan: StopPlan): Promise<void> {
  const { instance, layout, timeoutSec, force } = plan;
  const { pidFile, liveness } = await readPidFile(layout.data);
  if (liveness !== 'alive' || !pidFile) return;
  const signalled = await stopBySignal(layout.data, timeoutSec, force);
  if (signalled === 'stopped') return;
  let bins: PgBinaries;
  try {
    bins = await plan.binaries();
  } catch {
    if (signalled === 'unsent' && (await signalStop(pidFile.pid, timeoutSec, force))) return;
    throw new CliError(
      'timeout',
      `instance ${instance.name} (pid ${pidFile.pid}) did not stop within ${timeoutSec} s`,
      {
        hint: 'retry with --force',
      },
    );
  }
  const user = await plan.owner(layout.data);
  await stopServer({
    instance,
    layout,
    bins,
    user,
    timeoutSec,
    force,
    ...(signalled === 'timeout' ? { signalled } : {}),
  });
}

/** Without binaries (deleted, moved) a running postmaster can still be stopped by signal, as pg_ctl does. */
export async function signalStop(pid: number, timeoutSec: number, force?: boolean): Promise<boolean> {
  try {
    process.kill(pid, force ? 'SIGQUIT' : 'SIGINT');
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutSec * 1000;
  while (Date.now() < deadline) {
    if ((await processLiveness(pid)) !== 'alive') return true;
    await sleep(100);
  }
  return false;
}
