/**
 * Test-only fault injection: with RESOURCE_POSTGRES_TEST_FAULT=<point> the process kills
 * itself (SIGKILL, no cleanup) when it reaches that point, so tests can reproduce a kill at
 * an exact step instead of by timing. Unset in normal use: the check is one comparison.
 */
export function faultPoint(point: string): void {
  if (process.env.RESOURCE_POSTGRES_TEST_FAULT === point) process.kill(process.pid, 'SIGKILL');
}
