import type { SelftestData } from '../commands/test/check.js';

/** `test` output: one PASS/FAIL line per check with its duration, then "N passed, N failed". */
export function renderSelftest(d: SelftestData): string {
  const nameWidth = Math.max(0, ...d.checks.map((c) => `${c.suite}: ${c.name}`.length));
  const lines = d.checks.map((c) => {
    const label = `${c.suite}: ${c.name}`.padEnd(nameWidth);
    const time = `(${c.duration_ms} ms)`;
    return c.status === 'pass'
      ? `PASS  ${label}  ${time}${c.detail ? `  ${c.detail}` : ''}`
      : `FAIL  ${label}  ${time}  ${c.reason ?? 'failed'}`;
  });
  lines.push(`${d.passed} passed, ${d.failed} failed`);
  return lines.join('\n');
}

export const selftestTextRenderers: Record<string, (data: never) => string> = {
  selftest: renderSelftest as (data: never) => string,
};
