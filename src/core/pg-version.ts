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
