import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Programs and processes the pooler suites look at: PostgreSQL 15's clients, every argv, liveness by /proc. */
export const PG15 = '/usr/lib/postgresql/15/bin';

export interface Run {
  code: number;
  out: string;
}

export function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: process.env.PATH, ...env }, timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** Every process argv on the machine, as one text per process. */
export function allCmdlines(): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        return '';
      }
    });
}

export const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
};
