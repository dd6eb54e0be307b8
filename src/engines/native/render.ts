import { join } from 'node:path';
import { CliError } from '../../core/errors.js';
import { preloadSetting } from '../../core/extensions.js';

/**
 * Pure renderers for the files the native engine writes for the server. They live in the
 * instance's server-conf directory (root's, read-only for the server), never in the data
 * directory the server can write: the server starts with config_file pointing there, and
 * that file names the data directory, hba_file and ident_file. initdb's choices (locale,
 * encoding, memory) come first through base.conf; our file is rewritten on every start, so
 * instance.conf (port, host) and the template stay the truth. ALTER SYSTEM
 * (postgresql.auto.conf in the data directory) is read last and still wins, as users expect.
 */

export const IDENT_MAP = 'resource-postgres';
export const BASE_FILE = 'base.conf';

/** A postgresql.conf string literal: single quotes doubled, backslashes escaped. */
export function confValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export interface ConfInput {
  name: string;
  port: number;
  /** listen_addresses: instance.host, 127.0.0.1 by default. */
  host: string;
  templateName: string;
  /** The template's settings; the engine's own below override them. */
  settings: Record<string, string>;
  socketDir: string;
  /** The data directory (data_directory) and the directory holding base.conf, pg_hba.conf and pg_ident.conf. */
  dataDir: string;
  confDir: string;
  /** The instance's extensions: those that need it are loaded at start (shared_preload_libraries). */
  extensions?: string[];
  /** TLS on: the certificate and key the server presents (in confDir). */
  tls?: { certFile: string; keyFile: string };
  /** A streaming replica: the root-owned file with its standby settings (replica-files.ts). */
  standbyFile?: string;
}

/** Settings the engine must control whatever the template says. */
export function engineSettings(input: ConfInput): Record<string, string> {
  return {
    listen_addresses: input.host,
    port: String(input.port),
    unix_socket_directories: input.socketDir,
    unix_socket_permissions: '0700',
    password_encryption: 'scram-sha-256',
    // pg_ctl -l captures stderr into the instance's log file: one file, no collector process.
    logging_collector: 'off',
    log_destination: 'stderr',
    // %m: "2025-01-31 12:00:00.123 UTC"; logs --since compares this prefix, hence UTC.
    log_line_prefix: '%m [%p] ',
    log_timezone: 'UTC',
    // Shows in ps: "postgres: resource-postgres-main: checkpointer".
    cluster_name: `resource-postgres-${input.name}`,
    // Given config_file, the server learns everything else from here, not from the data directory.
    data_directory: input.dataDir,
    hba_file: join(input.confDir, 'pg_hba.conf'),
    ident_file: join(input.confDir, 'pg_ident.conf'),
    ...preload(input),
    // Always written, so turning TLS off (a reload) really turns it off.
    ssl: input.tls ? 'on' : 'off',
    ...(input.tls
      ? { ssl_cert_file: input.tls.certFile, ssl_key_file: input.tls.keyFile, ssl_min_protocol_version: 'TLSv1.2' }
      : {}),
  };
}

function preload(input: ConfInput): Record<string, string> {
  const value = preloadSetting(input.settings.shared_preload_libraries, input.extensions ?? []);
  return value ? { shared_preload_libraries: value } : {};
}

export function renderPostgresConf(input: ConfInput): string {
  const lines = [
    `# Written by resource-postgres for instance ${input.name} (template ${input.templateName}).`,
    '# Rewritten on every start from instance.conf and the template: edits here are lost.',
    '',
    "# The data directory's own settings (initdb's choices), taken over once:",
    `include ${confValue(join(input.confDir, BASE_FILE))}`,
    '',
    `# template ${input.templateName}`,
  ];
  const put = (key: string, value: string) => {
    if (!SETTING_NAME.test(key)) {
      throw new CliError(
        'config',
        `template ${input.templateName} has an invalid setting name ${JSON.stringify(key)}`,
        {
          hint: 'setting names are letters, digits, "_" and "."',
        },
      );
    }
    lines.push(`${key} = ${confValue(String(value))}`);
  };
  for (const [key, value] of Object.entries(input.settings)) put(key, value);
  lines.push('', '# engine (always last: these win)');
  for (const [key, value] of Object.entries(engineSettings(input))) put(key, value);
  if (input.standbyFile) lines.push('', '# streaming replica', `include_if_exists ${confValue(input.standbyFile)}`);
  return lines.join('\n') + '\n';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * pg_hba.conf: the unix socket for the server's own OS user only (peer, mapped to the
 * instance's superuser through pg_ident), and scram-sha-256 over TCP from loopback. A host
 * the user chose to bind beyond loopback also accepts scram-sha-256 from any address,
 * otherwise that bind would be pointless.
 */
/** pg_hba's user column for the replication roles of core/replica.ts. */
const REPLICA_ROLES = '/^rp_replica_';

export function renderHba(host: string, requireTls = false): string {
  // TLS required: TCP only through hostssl, so a plain (sslmode=disable) connection is refused.
  const tcp = requireTls ? 'hostssl' : 'host   ';
  const lines = [
    '# Written by resource-postgres; rewritten on every start.',
    '# TYPE  DATABASE  USER  ADDRESS        METHOD',
    `local   all       all                  peer map=${IDENT_MAP}`,
    `${tcp} all       all   127.0.0.1/32   scram-sha-256`,
    `${tcp} all       all   ::1/128        scram-sha-256`,
    // Streaming replicas (replica-files.ts) connect over loopback as their own rp_replica_*
    // roles; no other role (not even the superuser) may stream a copy of the cluster. The
    // regular expression needs 16+ (as native replicas do); before, it names no role at all.
    `${tcp} replication ${REPLICA_ROLES} 127.0.0.1/32   scram-sha-256`,
    `${tcp} replication ${REPLICA_ROLES} ::1/128        scram-sha-256`,
  ];
  if (!LOOPBACK.has(host))
    lines.push(
      `${tcp} all       all   all            scram-sha-256`,
      `${tcp} replication ${REPLICA_ROLES} all          scram-sha-256`,
    );
  return lines.join('\n') + '\n';
}

/** pg_ident.conf: the server's OS user may use the socket as the instance's superuser, nobody else. */
export function renderIdent(osUser: string, dbUser: string): string {
  const token = (s: string) => (/^[A-Za-z_][A-Za-z0-9_.$-]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);
  return (
    [
      '# Written by resource-postgres; rewritten on every start.',
      `${IDENT_MAP}  ${token(osUser)}  ${token(dbUser)}`,
    ].join('\n') + '\n'
  );
}
