import type Dockerode from 'dockerode';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';

/**
 * The PostgreSQL major an image declares: the official images (and the offline test image)
 * set PG_MAJOR in their environment. Undefined for an image that does not say; the running
 * server is asked then (manage start records its server_version).
 */
export function declaredMajor(config: { Env?: string[] | null } | undefined): string | undefined {
  const entry = config?.Env?.find((e) => e.startsWith('PG_MAJOR='));
  const value = entry?.slice('PG_MAJOR='.length).trim();
  return value && /^\d{1,2}(\.\d)?$/.test(value) ? value : undefined;
}

/**
 * Before anything is created: an image of another major than the one asked for is refused;
 * otherwise the instance records the image's major.
 */
export async function checkImageMajor(docker: Dockerode, image: string, instance: Instance): Promise<void> {
  const info = await docker
    .getImage(image)
    .inspect()
    .catch(() => undefined);
  const major = declaredMajor(info?.Config);
  if (!major) return;
  if (instance.version !== undefined && instance.version !== major) {
    throw new CliError(
      'usage',
      `image ${image} holds PostgreSQL ${major}, but instance ${instance.name} is PostgreSQL ${instance.version}`,
      {
        hint: `name an image of PostgreSQL ${instance.version} with --image (e.g. postgres:${instance.version}-alpine), or use --pg-version ${major}`,
      },
    );
  }
  instance.version = major;
}
