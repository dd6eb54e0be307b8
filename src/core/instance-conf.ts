import { parse as parseIni } from 'ini';
import { DEFAULTS } from './defaults.js';
import { CliError } from './errors.js';
import type { DesiredState, EngineName, Instance } from './instance.js';
import { Secret } from './secret.js';

/**
 * instance.conf <-> Instance. The file is `key="value"` lines: INI-parseable and
 * sh-sourceable. Values never contain characters that would need escaping in sh
 * double quotes, so writing them verbatim is safe and reading them back is exact.
 */

const KNOWN_KEYS = [
  'name',
  'engine',
  'image',
  'version',
  'port',
  'host',
  'user',
  'password',
  'database',
  'template',
  'created',
  'desired_state',
  'data_dir',
  'pg_bin',
] as const;

const LINE_RE = /^([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|[^"\s]*)$/;
const UNSAFE_VALUE_RE = /["\\$`\n\r]/;

function damaged(path: string, line: number | undefined, what: string): CliError {
  const where = line === undefined ? path : `${path}:${line}`;
  return new CliError('config', `damaged instance.conf at ${where}: ${what}`, {
    hint: 'fix or restore the file by hand; it is never replaced automatically',
  });
}

/** Checks the shape of every line first, so a damaged file is reported with its line. */
function checkLines(text: string, path: string): void {
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (!LINE_RE.test(line))
      throw damaged(path, i + 1, `cannot read ${JSON.stringify(raw.slice(0, 60))} (expected key="value")`);
  });
}

function requireKey(values: Record<string, string>, key: string, path: string): string {
  const v = values[key];
  if (v === undefined || v === '') throw damaged(path, undefined, `missing ${key}`);
  return v;
}

export function parseInstanceConf(text: string, path: string): Instance {
  checkLines(text, path);
  const raw = parseIni(text) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw damaged(path, undefined, `unexpected section or value for ${k}`);
    values[k] = v;
  }
  const engine = requireKey(values, 'engine', path);
  if (engine !== 'docker' && engine !== 'native')
    throw damaged(path, undefined, `engine must be docker or native, not ${JSON.stringify(engine)}`);
  const portText = requireKey(values, 'port', path);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
    throw damaged(path, undefined, `port must be a number, not ${JSON.stringify(portText)}`);
  const desired = values.desired_state ?? 'running';
  if (desired !== 'running' && desired !== 'stopped')
    throw damaged(path, undefined, `desired_state must be running or stopped, not ${JSON.stringify(desired)}`);

  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (!(KNOWN_KEYS as readonly string[]).includes(k)) extra[k] = v;

  return {
    name: requireKey(values, 'name', path),
    engine: engine as EngineName,
    image: values.image || undefined,
    version: values.version || undefined,
    port,
    host: values.host || DEFAULTS.host,
    user: requireKey(values, 'user', path),
    password: new Secret(requireKey(values, 'password', path)),
    database: requireKey(values, 'database', path),
    template: values.template || DEFAULTS.template,
    created: values.created || '',
    desiredState: desired as DesiredState,
    dataDir: values.data_dir || undefined,
    pgBin: values.pg_bin || undefined,
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
    ['database', instance.database],
    ['template', instance.template],
    ['created', instance.created],
    ['desired_state', instance.desiredState],
    ['data_dir', instance.dataDir],
    ['pg_bin', instance.pgBin],
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
