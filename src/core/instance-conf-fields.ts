import { isIP } from 'node:net';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { DEFAULTS, RELOCATION_ROOT } from './defaults.js';
import { extensionNameProblem } from './extensions.js';
import { POOLER_MODES } from './pooler.js';
import { TEMPLATE_NAMES } from './templates.js';

/**
 * What each instance.conf field may hold. The program acts on these values as root (it
 * runs pg_bin's programs, stops and deletes data_dir, publishes on host), so a value it
 * would not have written itself is refused on read, never acted on. Each check returns
 * what is wrong, or undefined.
 */
export interface ConfLocation {
  home: string;
  name: string;
}

type Check = (value: string, where?: ConfLocation) => string | undefined;

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,49}$/;
const IMAGE_RE = /^[a-z0-9][a-z0-9._/:@-]{0,254}$/i;

const oneOf =
  (field: string, choices: readonly string[]): Check =>
  (v) =>
    choices.includes(v) ? undefined : `${field} must be ${choices.join(' or ')}, not ${JSON.stringify(v)}`;

const matching =
  (re: RegExp, what: string): Check =>
  (v) =>
    re.test(v) ? undefined : `${what}, not ${JSON.stringify(v)}`;

/** An absolute path written as the program writes it: no "..", no "//", no trailing "/". */
function plainAbsolute(field: string, v: string): string | undefined {
  if (!isAbsolute(v) || normalize(v) !== v || (v.length > 1 && v.endsWith(sep)))
    return `${field} must be a plain absolute path, not ${JSON.stringify(v)}`;
  return undefined;
}

const inside = (parent: string, path: string) => {
  const rel = relative(parent, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * data_dir: only where the program puts data, under the instance's own directory or the
 * relocation root; uninstall deletes it, so anywhere else is refused.
 */
const dataDir: Check = (v, where) => {
  const bad = plainAbsolute('data_dir', v);
  if (bad || !where) return bad;
  if (inside(join(where.home, where.name), v) || inside(RELOCATION_ROOT, v)) return undefined;
  return `data_dir must lie in ${join(where.home, where.name)} or ${RELOCATION_ROOT}, not ${JSON.stringify(v)}`;
};

const port: Check = (v) => {
  const n = Number(v);
  if (/^\d+$/.test(v) && n >= DEFAULTS.portRangeStart && n <= DEFAULTS.portRangeEnd) return undefined;
  return `port must be a number in ${DEFAULTS.portRangeStart}-${DEFAULTS.portRangeEnd}, not ${JSON.stringify(v)}`;
};

/** extensions: names joined by ",", each valid, none twice (they become server settings). */
const extensions: Check = (v) => {
  const names = v.split(',');
  for (const name of names) {
    const problem = extensionNameProblem(name);
    if (problem) return `extensions: ${problem}`;
  }
  if (new Set(names).size !== names.length) return `extensions names one twice: ${JSON.stringify(v)}`;
  return undefined;
};

const poolerPort: Check = (v) => {
  const n = Number(v);
  if (/^\d+$/.test(v) && n >= DEFAULTS.poolerPortRangeStart && n <= DEFAULTS.poolerPortRangeEnd) return undefined;
  return `pooler_port must be a number in ${DEFAULTS.poolerPortRangeStart}-${DEFAULTS.poolerPortRangeEnd}, not ${JSON.stringify(v)}`;
};

const created: Check = (v) =>
  v === '' || !Number.isNaN(Date.parse(v)) ? undefined : `created must be an ISO 8601 time, not ${JSON.stringify(v)}`;

export const FIELD_CHECKS: Record<string, Check> = {
  name: (v, where) =>
    !NAME_RE.test(v)
      ? `name must be a valid instance name, not ${JSON.stringify(v)}`
      : where && v !== where.name
        ? `name is ${JSON.stringify(v)} but the directory is ${JSON.stringify(where.name)}`
        : undefined,
  engine: oneOf('engine', ['docker', 'native']),
  image: matching(IMAGE_RE, 'image must be an image reference (repository[:tag])'),
  version: matching(/^\d{1,2}(\.\d{1,3})?$/, 'version must be a PostgreSQL version such as 16'),
  port,
  host: (v) =>
    isIP(v) !== 0 || v === 'localhost' ? undefined : `host must be an IP address, not ${JSON.stringify(v)}`,
  user: matching(IDENT_RE, 'user must be a PostgreSQL identifier (letters, digits, _)'),
  password: matching(/^[\x21-\x7e]{1,200}$/, 'password must be printable characters without spaces'),
  admin_user: matching(IDENT_RE, 'admin_user must be a PostgreSQL identifier (letters, digits, _)'),
  admin_password: matching(/^[\x21-\x7e]{1,200}$/, 'admin_password must be printable characters without spaces'),
  database: matching(IDENT_RE, 'database must be a PostgreSQL identifier (letters, digits, _)'),
  template: oneOf('template', TEMPLATE_NAMES),
  created,
  desired_state: oneOf('desired_state', ['running', 'stopped']),
  data_dir: dataDir,
  pg_bin: (v) => plainAbsolute('pg_bin', v),
  extensions,
  pooler_port: poolerPort,
  pooler_mode: oneOf('pooler_mode', POOLER_MODES),
  tls: oneOf('tls', ['off', 'on', 'required']),
  tls_ca: tlsCa,
  replica_of: (v, where) =>
    !NAME_RE.test(v)
      ? `replica_of must be an instance name, not ${JSON.stringify(v)}`
      : where && v === where.name
        ? `replica_of names the instance itself (${JSON.stringify(v)})`
        : undefined,
  replication_password: matching(
    /^[\x21-\x7e]{1,200}$/,
    'replication_password must be printable characters without spaces',
  ),
};

/** replica_of and replication_password come together (a replica) or not at all. */
export function checkReplicaPair(values: { replicaOf?: string; password?: string }): string | undefined {
  if (Boolean(values.replicaOf) === Boolean(values.password)) return undefined;
  return values.replicaOf
    ? 'replica_of is set without replication_password'
    : 'replication_password is set without replica_of';
}

/** pooler_port and pooler_mode come together or not at all. */
export function checkPoolerPair(values: { port?: string; mode?: string }): string | undefined {
  if (Boolean(values.port) === Boolean(values.mode)) return undefined;
  return values.port ? 'pooler_port is set without pooler_mode' : 'pooler_mode is set without pooler_port';
}

/** tls_ca: the home's CA certificate, where the program puts it; clients are told to trust it. */
function tlsCa(v: string, where?: ConfLocation): string | undefined {
  const bad = plainAbsolute('tls_ca', v);
  if (bad || !where) return bad;
  const expected = join(where.home, '.tls', 'ca.crt');
  return v === expected ? undefined : `tls_ca must be ${expected}, not ${JSON.stringify(v)}`;
}

/**
 * admin_user and admin_password come together (app role owner) or not at all; an admin that
 * is the application's own role would hand the superuser out after all.
 */
export function checkAdminPair(values: {
  user?: string;
  adminUser?: string;
  adminPassword?: string;
}): string | undefined {
  const { user, adminUser, adminPassword } = values;
  if (Boolean(adminUser) !== Boolean(adminPassword))
    return adminUser ? 'admin_user is set without admin_password' : 'admin_password is set without admin_user';
  if (adminUser && adminUser === user) return `admin_user must differ from user (both are ${JSON.stringify(user)})`;
  return undefined;
}

export const REQUIRED_FIELDS = ['name', 'engine', 'port', 'user', 'password', 'database'] as const;
