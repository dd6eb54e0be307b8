import { usageError } from './errors.js';

/**
 * Extension names as `--extensions` and instance.conf hold them, and which of them the server
 * must load at start (shared_preload_libraries) before CREATE EXTENSION can work.
 */

/**
 * An extension name as PostgreSQL finds it: the basename of a .control file (or, for a
 * load-only module such as auto_explain, of a library). Lower case, digits, "_" and "-"
 * (uuid-ossp): never a path, a quote or a space, so it is safe in a file name, a setting
 * value and a quoted identifier.
 */
const EXTENSION_RE = /^[a-z][a-z0-9_-]{0,62}$/;

/**
 * Modules that work only when the server loaded them at start, by their extension name ->
 * library name. pg_stat_statements, pgaudit, pg_cron, timescaledb, citus, pg_squeeze and
 * pg_stat_monitor refuse to work (or to be created) otherwise; auto_explain does nothing unless loaded.
 */
const PRELOAD: Record<string, string> = {
  pg_stat_statements: 'pg_stat_statements',
  auto_explain: 'auto_explain',
  pgaudit: 'pgaudit',
  pg_cron: 'pg_cron',
  timescaledb: 'timescaledb',
  citus: 'citus',
  pg_squeeze: 'pg_squeeze',
  pg_stat_monitor: 'pg_stat_monitor',
};

/** Modules that are only a library: no .control file, nothing to CREATE; preloading is all. */
const LIBRARY_ONLY = new Set(['auto_explain']);

/** Names people reach for that are not the extension's name. */
const ALIASES: Record<string, string> = { pgvector: 'vector', uuid_ossp: 'uuid-ossp', postgis3: 'postgis' };

/** What is wrong with one name, or undefined. */
export function extensionNameProblem(name: string): string | undefined {
  if (EXTENSION_RE.test(name)) return undefined;
  return `${JSON.stringify(name)} is not an extension name (lower-case letters, digits, "_" or "-", starting with a letter)`;
}

/**
 * `--extensions a,b` -> ["a", "b"]: trimmed, duplicates dropped, order kept. Refuses an
 * empty list, a bad name, and a known alias (naming the real name).
 */
export function parseExtensionList(text: string, flag = '--extensions'): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0)
    throw usageError(`${flag} needs at least one extension name`, `e.g. ${flag} pg_stat_statements,vector`);
  for (const name of names) {
    const problem = extensionNameProblem(name);
    if (problem) throw usageError(`${flag}: ${problem}`, `e.g. ${flag} pg_stat_statements,pgcrypto`);
    const real = ALIASES[name];
    if (real) throw usageError(`${flag}: the extension is called ${real}, not ${name}`, `use ${flag} ${real}`);
  }
  return [...new Set(names)];
}

/** The libraries shared_preload_libraries must hold for these extensions, in their order. */
export function preloadLibraries(extensions: readonly string[]): string[] {
  return [...new Set(extensions.flatMap((e) => (PRELOAD[e] ? [PRELOAD[e]!] : [])))];
}

/**
 * shared_preload_libraries for a server: what the template sets (if anything) and what the
 * extensions need, once each; undefined when neither asks for a library.
 */
export function preloadSetting(templateValue: string | undefined, extensions: readonly string[]): string | undefined {
  const fromTemplate = (templateValue ?? '').split(',').map((s) => s.trim());
  const all = [...new Set([...fromTemplate, ...preloadLibraries(extensions)].filter(Boolean))];
  return all.length ? all.join(',') : undefined;
}

/** The libraries these extensions need that a server which loaded `loaded` lacks (it must restart). */
export function missingPreloads(extensions: readonly string[], loaded: readonly string[]): string[] {
  return preloadLibraries(extensions).filter((lib) => !loaded.includes(lib));
}

/** Extensions that CREATE EXTENSION applies to (a load-only module has no control file). */
export function creatable(extensions: readonly string[]): string[] {
  return extensions.filter((e) => !LIBRARY_ONLY.has(e));
}

export function isLibraryOnly(name: string): boolean {
  return LIBRARY_ONLY.has(name);
}

/** The recorded list followed by the new names it lacks. */
export function mergeExtensions(recorded: readonly string[], requested: readonly string[]): string[] {
  return [...new Set([...recorded, ...requested])];
}

/** How to get what is missing, for the error that lists what is available. */
export function missingHint(missing: readonly string[], engine: 'docker' | 'native', major: string): string {
  const fixes: string[] = [];
  if (missing.includes('vector')) {
    fixes.push(
      engine === 'native'
        ? `pgvector: build it for PostgreSQL ${major} (test/extensions/build-pgvector.sh does for 17) and install it with: resource-postgres versions install-extension ${major} DIR`
        : `pgvector: use an image that has it (--image pgvector/pgvector:pg${major}, or an image with Debian's postgresql-${major}-pgvector)`,
    );
  }
  fixes.push(
    engine === 'native'
      ? `another extension: resource-postgres versions install-extension ${major} DIR (DIR/lib/*.so, DIR/share/extension/*)`
      : 'another extension: an image that ships it (--image applies when creating an instance)',
  );
  return fixes.join('; ');
}
