import type { Instance } from '../core/instance.js';
import { withClient } from './client.js';
import { serverError } from './errors.js';
import { quoteIdent, quoteLiteral } from './identifiers.js';

/**
 * Extensions in a running server, as the program's own superuser (asAdmin): what the server
 * offers, and CREATE EXTENSION in the instance's database. Creating as the superuser is the
 * point: most extensions (pg_stat_statements, vector) are not "trusted", so an application
 * role that only owns its database could not create them.
 */

const TIMEOUT_MS = 30_000;

/** The extensions the server could create (pg_available_extensions: its control files). */
export async function serverExtensions(instance: Instance): Promise<string[]> {
  try {
    return await withClient(instance, { timeoutMs: TIMEOUT_MS }, async (c) => {
      const rows = await c.query<{ name: string }>('SELECT name FROM pg_available_extensions ORDER BY name');
      return rows.rows.map((r) => r.name);
    });
  } catch (e) {
    throw serverError(e, `listing the extensions of instance ${instance.name}`);
  }
}

/** Which of these load-only libraries the server can LOAD (no control file lists them). */
export async function loadableLibraries(instance: Instance, libraries: readonly string[]): Promise<string[]> {
  if (libraries.length === 0) return [];
  return withClient(instance, { timeoutMs: TIMEOUT_MS }, async (c) => {
    const ok: string[] = [];
    for (const lib of libraries) {
      // A plain name: the server looks in its own $libdir only.
      if (
        await c.query(`LOAD ${quoteLiteral(lib)}`).then(
          () => true,
          () => false,
        )
      )
        ok.push(lib);
    }
    return ok;
  });
}

/** CREATE EXTENSION IF NOT EXISTS for each, in the instance's database; returns the versions installed. */
export async function createExtensions(instance: Instance, names: readonly string[]): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  if (names.length === 0) return versions;
  await withClient(instance, { timeoutMs: TIMEOUT_MS, userSearchPath: true }, async (c) => {
    for (const name of names) {
      try {
        await c.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)}`);
      } catch (e) {
        throw serverError(e, `CREATE EXTENSION ${name} in database ${instance.database} of instance ${instance.name}`);
      }
    }
    const rows = await c.query<{ extname: string; extversion: string }>(
      'SELECT extname, extversion FROM pg_extension WHERE extname = ANY($1)',
      [[...names]],
    );
    for (const r of rows.rows) versions.set(r.extname, r.extversion);
  });
  return versions;
}

/** The libraries the running server loaded at start (SHOW shared_preload_libraries). */
export async function preloadedLibraries(instance: Instance): Promise<string[]> {
  return withClient(instance, { timeoutMs: TIMEOUT_MS }, async (c) => {
    const row = await c.query<{ v: string }>("SELECT current_setting('shared_preload_libraries') AS v");
    return (row.rows[0]?.v ?? '')
      .split(',')
      .map((s) => s.trim().replace(/^"|"$/g, ''))
      .filter(Boolean);
  });
}
