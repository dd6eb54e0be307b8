import { CliError } from './errors.js';

/**
 * Test-only fault injection: with RESOURCE_POSTGRES_TEST_FAULT=<point> the process kills
 * itself (SIGKILL, no cleanup) when it reaches that point, so tests can reproduce a kill at
 * an exact step instead of by timing. Unset in normal use: the check is one comparison.
 */
export function faultPoint(point: string): void {
  if (process.env.RESOURCE_POSTGRES_TEST_FAULT === point) process.kill(process.pid, 'SIGKILL');
}

/**
 * The same hook as an ordinary error: with RESOURCE_POSTGRES_TEST_FAULT=fail:<point> the step
 * throws, so tests see what the program does with a failure there (a rollback, say).
 */
export function failPoint(point: string): void {
  if (process.env.RESOURCE_POSTGRES_TEST_FAULT === `fail:${point}`)
    throw new CliError('failed', `injected failure at ${point} (RESOURCE_POSTGRES_TEST_FAULT)`);
}
