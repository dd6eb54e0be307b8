import { isAbsolute, join } from 'node:path';

/**
 * base.conf: the settings of a data directory's own postgresql.conf, taken over once when the
 * server's configuration moves out of the data directory (right after initdb, or on the first
 * start of an instance made by an older version, which kept everything inside). Pure.
 *
 * Kept: every active line (initdb's locale, encoding and memory choices, and any edit a
 * person made), with relative include paths made absolute, since they were relative to the
 * data directory. Dropped: the include line older versions appended for their own settings
 * file (rendered afresh now) and the file locations the engine decides (config_file cannot be
 * set in a file at all; data_directory, hba_file and ident_file are ours).
 */

const ENGINE_OWNED = new Set(['config_file', 'data_directory', 'hba_file', 'ident_file']);
const LEGACY_INCLUDE = /^include\s*=?\s*'resource-postgres\.conf'/;
const INCLUDE = /^(include|include_if_exists|include_dir)(\s*=?\s*)'((?:[^']|'')*)'(.*)$/;
const SETTING = /^([A-Za-z_][A-Za-z0-9_.]*)\s*(=|\s)/;

export function baseSettings(postgresqlConf: string, dataDir: string): string {
  const out = [
    "# Written once by resource-postgres from the data directory's postgresql.conf (initdb's",
    '# choices and any edits made there); kept across restarts. The server reads this file, not',
    `# ${join(dataDir, 'postgresql.conf')}.`,
  ];
  for (const raw of postgresqlConf.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || LEGACY_INCLUDE.test(line)) continue;
    const include = INCLUDE.exec(line);
    if (include) {
      const [, keyword, sep, quoted, rest] = include;
      const path = quoted!.replace(/''/g, "'");
      const absolute = isAbsolute(path) ? path : join(dataDir, path);
      out.push(`${keyword}${sep}'${absolute.replace(/'/g, "''")}'${rest}`);
      continue;
    }
    const name = SETTING.exec(line)?.[1]?.toLowerCase();
    if (name && ENGINE_OWNED.has(name)) continue;
    out.push(line);
  }
  return out.join('\n') + '\n';
}
