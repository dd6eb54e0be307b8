import { readFile } from 'node:fs/promises';

/**
 * A process as the kernel knows it: pid plus its start time (clock ticks since boot, field 22
 * of /proc/<pid>/stat), so a recycled pid is never mistaken for the process that made a claim.
 */
export interface ProcessIdentity {
  pid: number;
  start: string;
}

/** The start time from /proc/<pid>/stat; the command name may hold spaces and parentheses. */
export function parseStartTime(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19]; // field 22 overall: after pid and comm come 20 more before it
}

export async function processIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  const start = stat === undefined ? undefined : parseStartTime(stat);
  return start === undefined ? undefined : { pid, start };
}

export async function stillRunning(who: ProcessIdentity): Promise<boolean> {
  const now = await processIdentity(who.pid);
  return now !== undefined && now.start === who.start;
}
