import { isAbsolute, relative } from 'node:path';
import type { Context } from '../../context.js';
import type { Instance } from '../../core/instance.js';

/**
 * The native instances of this home that run major M's runtime: of that major, and either
 * resolving binaries themselves (no pg_bin) or with a pg_bin inside the runtime. An instance
 * whose instance.conf cannot be read is counted too: it might be one.
 */
export async function runtimeUsers(ctx: Context, major: string, runtimeDir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await ctx.registry.list()) {
    if ('error' in entry) {
      names.push(`${entry.name} (unreadable instance.conf)`);
      continue;
    }
    if (usesRuntime(entry, major, runtimeDir)) names.push(entry.name);
  }
  return names;
}

export function usesRuntime(instance: Instance, major: string, runtimeDir: string): boolean {
  if (instance.engine !== 'native' || instance.version !== major) return false;
  if (!instance.pgBin) return true;
  const rel = relative(runtimeDir, instance.pgBin);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
