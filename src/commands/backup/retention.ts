import { usageError } from '../../core/errors.js';

/** Which complete backups `backup prune` removes: pure, so the rule is tested without files. */
export interface RetentionEntry {
  name: string;
  instance: string;
  finishedAt: Date;
}

export type RetentionRule = { keep: number } | { olderThanMs: number };

const AGE_RE = /^(\d+)([mhdw])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "7d", "12h", "30m", "2w" -> milliseconds. */
export function parseAge(text: string): number {
  const m = AGE_RE.exec(text.trim());
  if (!m || Number(m[1]) <= 0)
    throw usageError(`invalid age ${JSON.stringify(text)}`, 'use a number with m, h, d or w (e.g. --older-than 7d)');
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
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
