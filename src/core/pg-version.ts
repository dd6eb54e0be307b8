/** "pg_dump (PostgreSQL) 17.12 (Debian 17.12-0+deb13u1)" -> { version: "17.12", major: 17 }. */
export function parseToolVersion(output: string): { version: string; major: number } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const major = Number(m[1]);
  return {
    version: m[2] === undefined ? m[1]! : `${m[1]}.${m[2]}`,
    major: major >= 10 ? major : Number(`${m[1]}.${m[2] ?? 0}`),
  };
}

/** server_version_num (160014) -> 16; 90624 -> 9.6. */
export function majorOfVersionNum(num: number): number {
  return num >= 100000 ? Math.floor(num / 10000) : Math.floor(num / 10000) + (Math.floor(num / 100) % 100) / 10;
}

/** pg_dump refuses servers newer than itself; an older server is fine. */
export function toolSuits(toolMajor: number, serverMajor: number): boolean {
  return toolMajor >= serverMajor;
}

/** The majors an instance can be created with (--pg-version); each has a pinned native runtime. */
export const SUPPORTED_MAJORS = ['15', '16', '17', '18'] as const;
export type SupportedMajor = (typeof SUPPORTED_MAJORS)[number];

export function isSupportedMajor(value: string): value is SupportedMajor {
  return (SUPPORTED_MAJORS as readonly string[]).includes(value);
}

/** "15", " 17 " -> the major; anything else (16.2, 14, abc) is undefined: callers name the flag in the error. */
export function parseMajor(value: string): SupportedMajor | undefined {
  const v = value.trim();
  return isSupportedMajor(v) ? v : undefined;
}

/** "16.14 (Debian 16.14-1)" or "160014" -> "16"; undefined when it is neither. */
export function majorOfServerVersion(value: string): string | undefined {
  const v = value.trim();
  if (/^\d{5,6}$/.test(v)) return String(majorOfVersionNum(Number(v)));
  const m = /^(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) >= 10 ? m[1] : `${m[1]}.${m[2] ?? 0}`;
}
