import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './errors.js';
import { trace } from './trace.js';

export interface WaitOptions {
  timeoutMs: number;
  /** First poll delay; doubles up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Injected clock for tests. */
  now?: () => number;
  /** What we were waiting for, for the timeout message ("instance main to accept queries"). */
  what: string;
  /** Evidence gathered on timeout (server log tail). */
  evidence?: () => Promise<string | undefined>;
  hint?: string;
}

/**
 * Polls a probe until it passes or the deadline passes. The probe returns undefined when
 * ready, or a string saying what failed; the timeout error names the last failure.
 */
export function waitFor(probe: () => Promise<string | undefined>, opts: WaitOptions): Promise<void> {
  return trace.span(`wait for ${opts.what}`, () => poll(probe, opts));
}

async function poll(probe: () => Promise<string | undefined>, opts: WaitOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  let delay = opts.intervalMs ?? 25;
  let last: string;
  for (;;) {
    const failure = await probe();
    if (failure === undefined) return;
    last = failure;
    if (now() >= deadline) break;
    await sleep(Math.min(delay, Math.max(0, deadline - now())));
    delay = Math.min(delay * 2, opts.maxIntervalMs ?? 250);
  }
  const evidence = await opts.evidence?.().catch(() => undefined);
  throw new CliError(
    'timeout',
    `timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${opts.what}; last failure: ${last}`,
    {
      hint: opts.hint,
      details: evidence,
    },
  );
}
