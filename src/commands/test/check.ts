import { CliError, describeError } from '../../core/errors.js';

/** One self-test check: its verdict, how long it took and, on failure, why. */
export type Suite = 'unit' | 'smoke' | 'integration';

export interface CheckResult {
  suite: Suite;
  name: string;
  status: 'pass' | 'fail';
  duration_ms: number;
  /** On pass: what was seen (e.g. the server version); on fail: the reason. */
  detail?: string;
  reason?: string;
}

export interface SelftestData {
  suite: Suite | 'all';
  instance: string;
  checks: CheckResult[];
  passed: number;
  failed: number;
  /** false when a live-instance suite could not run: the instance is absent or not running. */
  available: boolean;
}

/** Thrown inside a check: the message is the reason shown on its FAIL line. */
export class CheckFailed extends Error {}

export function expectThat(condition: boolean, reason: string): asserts condition {
  if (!condition) throw new CheckFailed(reason);
}

function withTimeout<T>(work: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailed(`${name} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one check under a deadline; never throws: every outcome becomes a line. */
export async function runCheck(
  suite: Suite,
  name: string,
  fn: () => Promise<string | void>,
  timeoutMs = 30_000,
): Promise<CheckResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const detail = await withTimeout(fn(), timeoutMs, name);
    return { suite, name, status: 'pass', duration_ms: ms(), ...(detail ? { detail } : {}) };
  } catch (e) {
    const reason = e instanceof CliError ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : describeError(e);
    return { suite, name, status: 'fail', duration_ms: ms(), reason };
  }
}

export function summarize(
  suite: SelftestData['suite'],
  instance: string,
  checks: CheckResult[],
  available: boolean,
): SelftestData {
  const passed = checks.filter((c) => c.status === 'pass').length;
  return { suite, instance, checks, passed, failed: checks.length - passed, available };
}
