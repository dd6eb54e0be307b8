import { join } from 'node:path';
import { CONTAINER_PREFIX, DEFAULTS } from './defaults.js';
import { usageError } from './errors.js';
import type { PoolerRecord } from './pooler.js';
import { Secret } from './secret.js';

export type EngineName = 'docker' | 'native';
export type DesiredState = 'running' | 'stopped';
/** superuser: the handed-out role is the server's superuser. owner: it only owns its database. */
export type AppRole = 'owner' | 'superuser';
export const APP_ROLES: readonly AppRole[] = ['owner', 'superuser'];
/** on: the server offers TLS; required: TCP connections must use it (hostssl only). */
export type TlsMode = 'on' | 'required';

/** The program's own superuser, kept apart from the role applications get (app role owner). */
export interface AdminRole {
  user: string;
  password: Secret;
}

/** One PostgreSQL instance as recorded in <home>/<name>/config/instance.conf. */
export interface Instance {
  name: string;
  engine: EngineName;
  /** docker: the image the container runs. */
  image?: string;
  /** PostgreSQL major version the data directory was created with (native), or reported. */
  version?: string;
  port: number;
  /** Address the port is bound to; 127.0.0.1 unless the user asked otherwise. */
  host: string;
  /** The role handed to applications (`credentials`). */
  user: string;
  password: Secret;
  /** App role owner: the superuser the program itself connects as; absent: `user` is the superuser. */
  admin?: AdminRole;
  database: string;
  template: string;
  created: string;
  desiredState: DesiredState;
  /** native: where the data directory lives when not <home>/<name>/data (e.g. a home under /root). */
  dataDir?: string;
  /** native: the PostgreSQL bin directory chosen with --pg-bin, when not the bundled one. */
  pgBin?: string;
  /** Extensions made with --extensions: preloaded at every start where they need it. */
  extensions?: string[];
  /** Its PgBouncer, while one is wanted (`pooler start`). */
  pooler?: PoolerRecord;
  /** TLS offered (or required) by the server; absent: off. */
  tls?: TlsMode;
  /** With tls: the CA certificate clients verify the server with (sslrootcert), <home>/.tls/ca.crt. */
  tlsCa?: string;
  /** A streaming replica: the instance it replicates (replica_of), read-only until promoted. */
  replicaOf?: string;
  /** A replica's password for its replication role on the primary (replication_password). */
  replicationPassword?: Secret;
  /** Keys this version does not know, kept verbatim on rewrite. */
  extra: Record<string, string>;
}

export function appRoleOf(instance: Instance): AppRole {
  return instance.admin ? 'owner' : 'superuser';
}

/**
 * The instance as the program connects to it for its own work (probe, initdb, backups,
 * catalog changes): as its superuser, which is the admin role when applications get a lesser one.
 */
export function asAdmin(instance: Instance): Instance {
  return instance.admin ? { ...instance, user: instance.admin.user, password: instance.admin.password } : instance;
}

/** Who owns the databases the program makes for applications: their role when it is not the superuser. */
export function databaseOwner(instance: Instance): string | undefined {
  return instance.admin ? instance.user : undefined;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,49}$/;

export function validateInstanceName(name: string): string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    const shown = JSON.stringify(String(name));
    throw usageError(
      `invalid instance name ${shown}`,
      'use 1-50 characters: letters, digits, "_" or "-", starting with a letter or digit (e.g. --instance app_1)',
    );
  }
  return name;
}

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A password from the CSPRNG over a URL-safe alphabet (rejection sampling: no modulo bias). */
export function generatePassword(length: number = DEFAULTS.passwordLength): Secret {
  let out = '';
  while (out.length < length) {
    // Loaded here, not imported: this module is part of every start-up (help too), crypto is not.
    for (const byte of process.getBuiltinModule('node:crypto').randomBytes(length * 2)) {
      if (byte < 256 - (256 % URL_SAFE.length)) out += URL_SAFE[byte % URL_SAFE.length];
      if (out.length === length) break;
    }
  }
  return new Secret(out);
}

export interface InstancePaths {
  root: string;
  config: string;
  conf: string;
  data: string;
  logs: string;
  run: string;
  backups: string;
}

export function instancePaths(home: string, name: string): InstancePaths {
  const root = join(home, name);
  return {
    root,
    config: join(root, 'config'),
    conf: join(root, 'config', 'instance.conf'),
    data: join(root, 'data'),
    logs: join(root, 'logs'),
    run: join(root, 'run'),
    backups: join(root, 'backups'),
  };
}

export function containerName(name: string): string {
  return `${CONTAINER_PREFIX}${name}`;
}

export function volumeName(name: string): string {
  return `${CONTAINER_PREFIX}${name}-data`;
}

/** The volume holding a docker instance's data: another than its own name's after a major upgrade (data_volume). */
export function dataVolumeOf(instance: Pick<Instance, 'name' | 'extra'>): string {
  return instance.extra?.data_volume ?? volumeName(instance.name);
}
