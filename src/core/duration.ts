/**
 * The one duration syntax of every flag that takes one (logs --since, backup prune
 * --older-than): a whole number and a unit, s m h d w. Pure; callers word their own errors,
 * because each flag says what else it accepts.
 */
const DURATION_RE = /^(\d+)([smhdw])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

export const DURATION_EXAMPLES = '30s, 10m, 12h, 7d, 2w';

/** "10m" -> 600000; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
