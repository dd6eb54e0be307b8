import type { Instance } from './instance.js';
import { Secret } from './secret.js';

/**
 * The credentials that travel with an instance's data (a backup's credentials.json, a
 * restore journal): the application's role and, with app role owner, the program's own
 * superuser. A physical restore brings back the roles exactly as they were in the backup,
 * so instance.conf must take both, and lose admin_* when the backup had none.
 */
export interface DataCredentials {
  user: string;
  password: string;
  database: string;
  admin_user?: string;
  admin_password?: string;
}

export function credentialsOf(instance: Instance): DataCredentials {
  const base = { user: instance.user, password: instance.password.reveal(), database: instance.database };
  return instance.admin
    ? { ...base, admin_user: instance.admin.user, admin_password: instance.admin.password.reveal() }
    : base;
}

/** Checks a parsed credentials document; undefined when it is not one. */
export function asDataCredentials(value: unknown): DataCredentials | undefined {
  const c = (value ?? {}) as Partial<DataCredentials>;
  const str = (v: unknown) => typeof v === 'string' && v !== '';
  if (!str(c.user) || !str(c.password) || !str(c.database)) return undefined;
  if (str(c.admin_user) !== str(c.admin_password)) return undefined;
  return c as DataCredentials;
}

export function withCredentials(instance: Instance, c: DataCredentials): Instance {
  return {
    ...instance,
    user: c.user,
    password: new Secret(c.password),
    database: c.database,
    admin:
      c.admin_user && c.admin_password ? { user: c.admin_user, password: new Secret(c.admin_password) } : undefined,
  };
}
