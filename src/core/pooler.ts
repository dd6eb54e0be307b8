import { DEFAULTS } from './defaults.js';
import { usageError } from './errors.js';

/**
 * An instance's connection pooler (PgBouncer), as instance.conf records it: the port it
 * listens on (from its own range) and its pool mode. Recorded while the pooler is wanted;
 * `pooler stop` and uninstall forget it.
 */
export type PoolerMode = 'transaction' | 'session';
export const POOLER_MODES: readonly PoolerMode[] = ['transaction', 'session'];
export const DEFAULT_POOLER_MODE: PoolerMode = 'transaction';

export interface PoolerRecord {
  port: number;
  mode: PoolerMode;
}

export const POOLER_PORT_RANGE = { start: DEFAULTS.poolerPortRangeStart, end: DEFAULTS.poolerPortRangeEnd } as const;

/**
 * The role PgBouncer logs in as to look up other roles' SCRAM verifiers (auth_query). Its
 * password is the only one PgBouncer keeps in clear (its auth_file), and it can do nothing
 * but call the lookup function.
 */
export const POOLER_AUTH_USER = 'resource_pooler';
/** The schema holding the lookup function, in every database (PgBouncer 1.18 has no auth_dbname). */
export const POOLER_AUTH_SCHEMA = 'resource_pooler';

export function parsePoolerMode(value: string | undefined): PoolerMode {
  if (value === undefined) return DEFAULT_POOLER_MODE;
  if ((POOLER_MODES as readonly string[]).includes(value)) return value as PoolerMode;
  throw usageError(
    `invalid --mode ${JSON.stringify(value)}`,
    `use --mode transaction (the default: a server connection per transaction) or --mode session`,
  );
}
