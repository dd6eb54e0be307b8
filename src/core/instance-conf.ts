import { DEFAULTS } from './defaults.js';
import { CliError } from './errors.js';
import type { DesiredState, EngineName, Instance } from './instance.js';
import {
  checkAdminPair,
  checkPoolerPair,
  checkReplicaPair,
  type ConfLocation,
  FIELD_CHECKS,
  REQUIRED_FIELDS,
} from './instance-conf-fields.js';
import type { PoolerMode } from './pooler.js';
import { Secret } from './secret.js';

/**
 * instance.conf <-> Instance. The file is `key="value"` lines: INI-parseable and
 * sh-sourceable. Values never contain characters that would need escaping in sh
 * double quotes, so writing them verbatim is safe and reading them back is exact. The
 * reader is ours, not an INI library's: those turn "true" into a boolean, cut `a;b` at
 * the `;` and expand escapes, so what was read would not be what was written.
 */

/** Exactly what serializeInstanceConf writes: key="value", the value free of sh specials. */
const LINE_RE = /^([a-z_][a-z0-9_]*)="([^"\\$`]*)"$/;
const UNSAFE_VALUE_RE = /["\\$`\n\r]/;

function damaged(path: string, line: number | undefined, what: string): CliError {
  const where = line === undefined ? path : `${path}:${line}`;
  return new CliError('config', `damaged instance.conf at ${where}: ${what}`, {
    hint: 'fix or restore the file by hand; it is never replaced automatically',
  });
}

/** key -> value and the line it came from; refuses any line the program would not write. */
function readLines(text: string, path: string): Map<string, { value: string; line: number }> {
  const values = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE_RE.exec(line);
    if (!m) throw damaged(path, i + 1, `cannot read ${JSON.stringify(raw.slice(0, 60))} (expected key="value")`);
    if (values.has(m[1]!))
      throw damaged(path, i + 1, `${m[1]} is set twice (first on line ${values.get(m[1]!)!.line})`);
    values.set(m[1]!, { value: m[2]!, line: i + 1 });
  });
  return values;
}

/**
 * instance.conf -> Instance, validating every field (file:line in each error). `where` (the
 * home and the directory's instance name) enables the checks that depend on location.
 */
export function parseInstanceConf(text: string, path: string, where?: ConfLocation): Instance {
  const values = readLines(text, path);
  for (const key of REQUIRED_FIELDS) if (!values.get(key)?.value) throw damaged(path, undefined, `missing ${key}`);
  const extra: Record<string, string> = {};
  for (const [key, { value, line }] of values) {
    const check = FIELD_CHECKS[key];
    if (!check) extra[key] = value;
    else if (value !== '') {
      const problem = check(value, where);
      if (problem) throw damaged(path, line, problem);
    }
  }
  const get = (key: string) => values.get(key)?.value || undefined;
  const adminUser = get('admin_user');
  const adminPassword = get('admin_password');
  const pairProblem = checkAdminPair({ user: get('user'), adminUser, adminPassword });
  if (pairProblem) throw damaged(path, values.get(adminUser ? 'admin_user' : 'admin_password')?.line, pairProblem);
  const poolerPort = get('pooler_port');
  const poolerMode = get('pooler_mode');
  const poolerProblem = checkPoolerPair({ port: poolerPort, mode: poolerMode });
  if (poolerProblem) throw damaged(path, values.get(poolerPort ? 'pooler_port' : 'pooler_mode')?.line, poolerProblem);
  const replicaOf = get('replica_of');
  const replicationPassword = get('replication_password');
  const replicaProblem = checkReplicaPair({ replicaOf, password: replicationPassword });
  if (replicaProblem)
    throw damaged(path, values.get(replicaOf ? 'replica_of' : 'replication_password')?.line, replicaProblem);
  const tls = get('tls') === 'off' ? undefined : (get('tls') as Instance['tls']);
  if (tls && !get('tls_ca')) throw damaged(path, values.get('tls')?.line, `tls is ${tls} but tls_ca is missing`);
  return {
    name: get('name')!,
    engine: get('engine') as EngineName,
    image: get('image'),
    version: get('version'),
    port: Number(get('port')),
    host: get('host') ?? DEFAULTS.host,
    user: get('user')!,
    password: new Secret(get('password')!),
    admin: adminUser ? { user: adminUser, password: new Secret(adminPassword!) } : undefined,
    database: get('database')!,
    template: get('template') ?? DEFAULTS.template,
    created: get('created') ?? '',
    desiredState: (get('desired_state') ?? 'running') as DesiredState,
    dataDir: get('data_dir'),
    pgBin: get('pg_bin'),
    extensions: get('extensions')?.split(','),
    pooler: poolerPort ? { port: Number(poolerPort), mode: poolerMode as PoolerMode } : undefined,
    tls,
    tlsCa: tls ? get('tls_ca') : undefined,
    ...(replicaOf ? { replicaOf, replicationPassword: new Secret(replicationPassword!) } : {}),
    extra,
  };
}

export function serializeInstanceConf(instance: Instance): string {
  const entries: Array<[string, string | undefined]> = [
    ['name', instance.name],
    ['engine', instance.engine],
    ['image', instance.image],
    ['version', instance.version],
    ['port', String(instance.port)],
    ['host', instance.host],
    ['user', instance.user],
    ['password', instance.password.reveal()],
    ['admin_user', instance.admin?.user],
    ['admin_password', instance.admin?.password.reveal()],
    ['database', instance.database],
    ['template', instance.template],
    ['created', instance.created],
    ['desired_state', instance.desiredState],
    ['data_dir', instance.dataDir],
    ['pg_bin', instance.pgBin],
    ['extensions', instance.extensions?.length ? instance.extensions.join(',') : undefined],
    ['pooler_port', instance.pooler ? String(instance.pooler.port) : undefined],
    ['pooler_mode', instance.pooler?.mode],
    ['tls', instance.tls],
    ['tls_ca', instance.tls ? instance.tlsCa : undefined],
    ['replica_of', instance.replicaOf],
    ['replication_password', instance.replicaOf ? instance.replicationPassword?.reveal() : undefined],
    ...Object.entries(instance.extra),
  ];
  const lines = ['# resource-postgres instance; managed by resource-postgres (unknown keys are kept)'];
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    if (UNSAFE_VALUE_RE.test(value)) {
      throw new CliError(
        'usage',
        `the value of ${key} in instance ${instance.name} contains a quote, backslash, $, backtick or newline`,
        {
          hint: 'choose a value without those characters',
        },
      );
    }
    lines.push(`${key}="${value}"`);
  }
  return lines.join('\n') + '\n';
}
