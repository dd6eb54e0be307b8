import { CliError, usageError } from '../../../core/errors.js';

/**
 * Names and images on the operator's side. Kubernetes object names are DNS labels
 * (lower case, digits, "-"); instance names may hold upper case and "_".
 */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$/;

export function clusterName(instance: string): string {
  const name = instance.toLowerCase().replace(/_/g, '-');
  if (!DNS_LABEL.test(name))
    throw usageError(
      `instance name ${JSON.stringify(instance)} makes no Kubernetes name (${JSON.stringify(name)})`,
      'Kubernetes names are lower-case letters, digits and "-", starting and ending with a letter or digit: clone the instance under such a name (resource-postgres backup restore NAME --to-instance NEW) and export that',
    );
  return name;
}

/** A database name as part of an object name: my_db -> my-db. */
export function objectSuffix(database: string): string {
  return (
    database
      .toLowerCase()
      .replace(/_/g, '-')
      .replace(/^-+|-+$/g, '') || 'db'
  );
}

export const CNPG_IMAGE_REPOSITORY = 'ghcr.io/cloudnative-pg/postgresql';
/** Majors the operator's community images are published for. */
export const CNPG_MAJORS: readonly number[] = [13, 14, 15, 16, 17, 18];

export function cnpgImage(instance: string, major: number): string {
  if (!CNPG_MAJORS.includes(major)) {
    const range = `${CNPG_MAJORS[0]}-${CNPG_MAJORS[CNPG_MAJORS.length - 1]}`;
    throw new CliError(
      'failed',
      `instance ${instance} runs PostgreSQL ${major}: ${CNPG_IMAGE_REPOSITORY} offers ${range}`,
      {
        hint: `move the instance to a major in ${range} first (dump and restore into a new instance made with that major), or give imageName an image of your own for PostgreSQL ${major}`,
      },
    );
  }
  return `${CNPG_IMAGE_REPOSITORY}:${major}`;
}
