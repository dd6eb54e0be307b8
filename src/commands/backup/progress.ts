import type { Context } from '../../context.js';

/** "12.3 MB": sizes for people. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * Reports a growing byte count once a second while `work` runs. talk.progress prints only on
 * a TTY, so pipelines and --json stay quiet.
 */
export async function withByteProgress<T>(
  ctx: Context,
  label: string,
  bytes: () => number,
  work: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const timer = setInterval(
    () => ctx.talk.progress(`${label}: ${formatBytes(bytes())} (${Math.round((Date.now() - started) / 1000)} s)`),
    1000,
  );
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
