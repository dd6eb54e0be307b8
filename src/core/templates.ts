import development from '../../templates/development.json' with { type: 'json' };
import minimal from '../../templates/minimal.json' with { type: 'json' };
import production from '../../templates/production.json' with { type: 'json' };
import testing from '../../templates/testing.json' with { type: 'json' };
import { usageError } from './errors.js';
import { APP_ROLES, type AppRole } from './instance.js';

/** A tuning template: PostgreSQL settings plus container limits. Data, imported statically so bundles embed it. */
export interface Template {
  name: string;
  description: string;
  /** The role `credentials` hands out unless --app-role says otherwise (README: Templates). */
  app_role: AppRole;
  /** postgresql.conf settings, passed as `-c key=value` (docker) or written to postgresql.conf (native). */
  settings: Record<string, string>;
  container: { memory: string; cpus: number; shm_size: string };
}

const TEMPLATES = { development, production, testing, minimal } as Record<string, Omit<Template, 'name'>>;

export const TEMPLATE_NAMES = Object.keys(TEMPLATES);

export function getTemplate(name: string): Template {
  const t = TEMPLATES[name];
  if (!t) {
    throw usageError(`unknown template ${JSON.stringify(name)}`, `available templates: ${TEMPLATE_NAMES.join(', ')}`);
  }
  // Templates are data: a wrong app_role must fail loudly, not hand out a superuser by accident.
  if (!APP_ROLES.includes(t.app_role)) throw new Error(`template ${name}: app_role must be ${APP_ROLES.join(' or ')}`);
  return { name, ...t };
}

/** "512m", "2g", "1024k" -> bytes, for container memory limits. */
export function parseSize(size: string): number {
  const m = /^(\d+)([kmg]?)b?$/i.exec(size.trim());
  if (!m) throw usageError(`invalid size ${JSON.stringify(size)}`, 'use a number with k, m or g (e.g. 512m)');
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}
