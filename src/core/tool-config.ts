import { connectionUrl, type ConnectionView } from './connection.js';
import { CliError } from './errors.js';
import { escapePassfileField } from './passfile.js';

/**
 * Connection details as the configuration files of the tools people already use: libpq's
 * password file and service file, pgAdmin's servers.json, pgweb bookmarks. Pure: views in,
 * text out. Only pgpass and pgweb carry a password (those formats exist for it); the service
 * file and servers.json point at a password file instead (`passfile`), never hold one.
 */
export const TOOL_FORMATS = ['pgpass', 'service', 'pgadmin', 'pgweb'] as const;
export type ToolFormat = (typeof TOOL_FORMATS)[number];

/** Formats whose whole point is the password: printing them needs --show-secrets (or --out). */
export const PASSWORD_FORMATS: readonly ToolFormat[] = ['pgpass', 'pgweb'];

export const isToolFormat = (f: string): f is ToolFormat => (TOOL_FORMATS as readonly string[]).includes(f);

/** .pgpass: host:port:*:user:password per instance (any database of it), ':' and '\' escaped. */
export function pgpassText(views: ConnectionView[]): string {
  const e = escapePassfileField;
  return views.map((v) => `${e(v.host)}:${v.port}:*:${e(v.user)}:${e(v.password)}\n`).join('');
}

/** A libpq service file value runs to the end of its line: a newline would start another key. */
function serviceValue(key: string, value: string): string {
  if (/[\r\n]/.test(value))
    throw new CliError('usage', `the ${key} ${JSON.stringify(value)} cannot go in a service file`);
  return `${key}=${value}`;
}

/** pg_service.conf: one section per instance, named after it (`psql "service=<instance>"`). */
export function serviceText(views: ConnectionView[], passfile?: string): string {
  return views
    .map((v) => {
      const lines = [
        `[${v.instance}]`,
        serviceValue('host', v.host),
        serviceValue('port', String(v.port)),
        serviceValue('dbname', v.database),
        serviceValue('user', v.user),
        serviceValue('sslmode', v.sslmode),
      ];
      if (v.sslrootcert) lines.push(serviceValue('sslrootcert', v.sslrootcert));
      if (passfile) lines.push(serviceValue('passfile', passfile));
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}

/** pgAdmin's servers.json (File > Import servers, or `setup.py load-servers`); no password, a PassFile when given. */
export function pgadminJson(views: ConnectionView[], passfile?: string): string {
  const servers: Record<string, unknown> = {};
  views.forEach((v, i) => {
    const params: Record<string, string> = { sslmode: v.sslmode, connect_timeout: '10' };
    if (v.sslrootcert) params.sslrootcert = v.sslrootcert;
    if (passfile) params.passfile = passfile;
    servers[String(i + 1)] = {
      Name: v.instance,
      Group: 'resource-postgres',
      Host: v.host,
      Port: v.port,
      MaintenanceDB: v.database,
      Username: v.user,
      SSLMode: v.sslmode,
      ...(v.sslrootcert ? { SSLRootCert: v.sslrootcert } : {}),
      ...(passfile ? { PassFile: passfile } : {}),
      Shared: false,
      // pgAdmin 7 and later read these; the keys above serve older versions.
      ConnectionParameters: params,
    };
  });
  return `${JSON.stringify({ Servers: servers }, null, 2)}\n`;
}

/** A TOML basic string: quotes, backslashes and control characters escaped. */
function tomlString(s: string): string {
  let escaped = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === '\\' || c === '"') escaped += `\\${c}`;
    else if (code < 0x20 || code === 0x7f) escaped += `\\u${code.toString(16).padStart(4, '0')}`;
    else escaped += c;
  }
  return `"${escaped}"`;
}

/**
 * One pgweb bookmark (~/.pgweb/bookmarks/<instance>.toml): pgweb reads url, host, port, user,
 * password (0.13 and later need it there), database and ssl (the sslmode). Its bookmarks have
 * no CA field, so a TLS instance also gets `url`, which pgweb prefers and which carries
 * sslrootcert.
 */
export function pgwebToml(v: ConnectionView): string {
  const lines = [
    `host = ${tomlString(v.host)}`,
    `port = ${v.port}`,
    `user = ${tomlString(v.user)}`,
    `password = ${tomlString(v.password)}`,
    `database = ${tomlString(v.database)}`,
    `ssl = ${tomlString(v.sslmode)}`,
  ];
  if (v.sslrootcert) lines.unshift(`url = ${tomlString(connectionUrl(v))}`);
  return `${lines.join('\n')}\n`;
}

/** Every instance's bookmark on stdout, each headed by the file it belongs in. */
export function pgwebText(views: ConnectionView[]): string {
  return views.map((v) => `# ${v.instance}.toml\n${pgwebToml(v)}`).join('\n');
}

export function renderToolFormat(format: ToolFormat, views: ConnectionView[], passfile?: string): string {
  switch (format) {
    case 'pgpass':
      return pgpassText(views);
    case 'service':
      return serviceText(views, passfile);
    case 'pgadmin':
      return pgadminJson(views, passfile);
    case 'pgweb':
      return pgwebText(views);
  }
}
