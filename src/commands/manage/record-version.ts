import type { Context } from '../../context.js';
import type { Instance } from '../../core/instance.js';
import { majorOfServerVersion } from '../../core/pg-version.js';

/**
 * instance.conf's `version` is the major the server really runs: an image that does not
 * declare PG_MAJOR, or an instance recorded before majors were, learns it from the server
 * (server_version) once it answers. Never fails the start: the record is a convenience.
 */
export async function recordServerMajor(ctx: Context, instance: Instance): Promise<Instance> {
  const probe = await ctx.probe(instance).catch(() => undefined);
  const major = probe?.ok && probe.version ? majorOfServerVersion(probe.version) : undefined;
  if (!major || major === instance.version) return instance;
  if (instance.version !== undefined)
    ctx.talk.warn(
      `instance ${instance.name} was recorded as PostgreSQL ${instance.version}, but its server runs ${major}; recording ${major}`,
    );
  await ctx.registry.locked(async () => {
    const fresh = await ctx.registry.get(instance.name);
    await ctx.registry.save({ ...fresh, version: major });
  });
  return { ...instance, version: major };
}
