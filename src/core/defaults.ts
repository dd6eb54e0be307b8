/** Product defaults, pinned in one place. */
export const DEFAULTS = {
  resourceName: 'postgres',
  category: 'storage',
  instance: 'main',
  image: 'postgres:16-alpine',
  majorVersion: '16',
  user: 'vrooli',
  /** The program's own superuser when applications get an owner role (--app-role owner). */
  adminUser: 'resource_admin',
  database: 'vrooli',
  template: 'development',
  host: '127.0.0.1',
  portRangeStart: 5433,
  portRangeEnd: 5499,
  preferredPort: 5433,
  /** PgBouncer poolers (`pooler start`): their own range, apart from the servers'. */
  poolerPortRangeStart: 6433,
  poolerPortRangeEnd: 6499,
  startTimeoutSec: 60,
  stopTimeoutSec: 30,
  logTail: 50,
  passwordLength: 32,
  /** Connect + query timeout of one health probe. */
  probeTimeoutMs: 3_000,
} as const;

export const MAX_INSTANCES = DEFAULTS.portRangeEnd - DEFAULTS.portRangeStart + 1;

export const CONTAINER_PREFIX = 'resource-postgres-';
export const LABEL_PREFIX = 'io.resource-postgres';
export const LABELS = {
  managed: `${LABEL_PREFIX}.managed`,
  instance: `${LABEL_PREFIX}.instance`,
  home: `${LABEL_PREFIX}.home`,
} as const;

export const ENV = {
  home: 'RESOURCE_POSTGRES_HOME',
  instance: 'RESOURCE_POSTGRES_INSTANCE',
  image: 'RESOURCE_POSTGRES_IMAGE',
  pgBin: 'RESOURCE_POSTGRES_PG_BIN',
  /** Where native runtimes (one PostgreSQL per major) are installed; tests share a warm cache. */
  runtimes: 'RESOURCE_POSTGRES_RUNTIMES',
} as const;

/** Native runtimes when root runs the program (servers run as rp-* users, who must reach them). */
export const ROOT_RUNTIMES_DIR = '/var/lib/resource-postgres/runtimes';

/** The default docker image of a major: postgres:<major>-alpine. */
export const imageForMajor = (major: string) => `postgres:${major}-alpine`;

/**
 * Where native data lives when the server's user cannot reach the home (a home under /root):
 * RELOCATION_ROOT/<hash of the home>/<name>/data. A root the program manages, so instance.conf
 * may point there and uninstall may delete there.
 */
export const RELOCATION_ROOT = '/var/lib/resource-postgres';
