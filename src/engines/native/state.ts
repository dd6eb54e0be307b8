import { readFile } from 'node:fs/promises';
import type { EngineState } from '../engine.js';

/**
 * postmaster.pid -> EngineState, the one place where the native engine's foreign shapes
 * (the pid file, /proc, kill(0)) become an InstanceState.
 */

export interface PostmasterPid {
  pid: number;
  dataDir?: string;
  port?: number;
  socketDir?: string;
  /** "starting", "ready", "stopping" (PostgreSQL 10+). */
  status?: string;
}

/** The documented line layout: pid, data dir, start time, port, socket dir, listen addr, shm key, status. */
export function parsePostmasterPid(text: string): PostmasterPid | undefined {
  const lines = text.split('\n');
  const pid = Number(lines[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const port = Number(lines[3]?.trim());
  return {
    pid,
    dataDir: lines[1]?.trim() || undefined,
    port: Number.isInteger(port) && port > 0 ? port : undefined,
    socketDir: lines[4]?.trim() || undefined,
    status: lines[7]?.trim() || undefined,
  };
}

/**
 * alive: a postgres process has that pid; gone: nobody has it (or a zombie nobody reaped:
 * in containers pid 1 often does not reap); other: the pid was reused by another program.
 */
export type Liveness = 'alive' | 'gone' | 'other';

/** "1234 (postgres) S 1 ..." -> name and state letter. */
export function parseProcStat(stat: string): { comm: string; state: string } | undefined {
  const m = /^\d+ \((.*)\) (\S)/s.exec(stat);
  return m ? { comm: m[1]!, state: m[2]! } : undefined;
}

export async function processLiveness(pid: number): Promise<Liveness> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else; that still means alive.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').then(parseProcStat, () => undefined);
  if (!stat) return 'alive'; // no /proc (macOS): kill(0) is all we know
  if (stat.state === 'Z' || stat.state === 'X') return 'gone';
  return /^(postgres|postmaster)$/.test(stat.comm) ? 'alive' : 'other';
}

export interface StateFacts {
  dataDir: string;
  /** PG_VERSION exists: the directory is an initialised cluster. */
  initialised: boolean;
  /** The directory exists and holds something (a partial initdb, or foreign files). */
  dataDirNonEmpty: boolean;
  pidFile?: PostmasterPid;
  liveness?: Liveness;
}

export function mapNativeState(f: StateFacts): EngineState {
  if (!f.initialised) {
    return f.dataDirNonEmpty
      ? {
          state: 'absent',
          dataExists: true,
          detail: `${f.dataDir} exists but is not an initialised data directory (no PG_VERSION)`,
        }
      : { state: 'absent', dataExists: false };
  }
  if (!f.pidFile) return { state: 'stopped', dataExists: true };
  const { pid, port } = f.pidFile;
  if (f.liveness === 'alive') return { state: 'running', dataExists: true, pid, port };
  const why = f.liveness === 'other' ? `which now belongs to another program` : 'which is gone (crashed?)';
  return { state: 'stopped', dataExists: true, detail: `postmaster.pid left by pid ${pid} ${why}` };
}
