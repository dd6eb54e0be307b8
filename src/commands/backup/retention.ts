import { DURATION_EXAMPLES, parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';

/** Which complete backups `backup prune` removes: pure, so the rule is tested without files. */
export interface RetentionEntry {
  name: string;
  instance: string;
  finishedAt: Date;
}

export type RetentionRule = { keep: number } | { olderThanMs: number };

/** --older-than: a positive duration ("7d", "12h", "30m", "2w") in milliseconds. */
export function parseAge(text: string): number {
  const ms = parseDuration(text);
  if (!ms)
    throw usageError(
      `invalid age ${JSON.stringify(text)}`,
      `use a number with a unit s, m, h, d or w (e.g. --older-than 7d; ${DURATION_EXAMPLES})`,
    );
  return ms;
}

/**
 * keep N: per instance, everything but the N newest. olderThanMs: everything finished
 * before now - age. Returned newest first within each instance, for stable messages.
 */
export function selectForPrune<T extends RetentionEntry>(entries: readonly T[], rule: RetentionRule, now: Date): T[] {
  const byInstance = new Map<string, T[]>();
  for (const e of entries) byInstance.set(e.instance, [...(byInstance.get(e.instance) ?? []), e]);
  const out: T[] = [];
  for (const list of byInstance.values()) {
    const sorted = [...list].sort(
      (a, b) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.name.localeCompare(a.name),
    );
    if ('keep' in rule) out.push(...sorted.slice(rule.keep));
    else out.push(...sorted.filter((e) => now.getTime() - e.finishedAt.getTime() > rule.olderThanMs));
  }
  return out;
}
