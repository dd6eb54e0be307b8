import { createHash } from 'node:crypto';
import type { Instance } from './instance.js';
import { passfileLine } from './passfile.js';
import type { Secret } from './secret.js';

/**
 * Streaming replicas (`manage start --replica-of P`). A replica R streams P's WAL through a
 * physical replication slot on P, as a role of its own on P (REPLICATION LOGIN, its own random
 * password kept in R's instance.conf as replication_password): P's superuser password never
 * reaches R's server configuration. Slot and role share one name derived from R's name.
 */

const PREFIX = 'rp_replica_';
/** The first major whose libpq has require_auth. */
export const REQUIRE_AUTH_MAJOR = 16;

/** The major of a recorded version ("17", "17.2"), if known. Pure. */
export const majorOf = (version: string | undefined): number | undefined =>
  version && /^\d+/.test(version) ? Number(/^\d+/.exec(version)![0]) : undefined;

/**
 * The slot (and role) name of replica `name`: PostgreSQL slot names allow only lower-case
 * letters, digits and "_" and at most 63 bytes. A name that had to change gets a short hash of
 * the original, so "a-b" and "a_b" never share a slot. Pure.
 */
export function replicaSlotName(name: string): string {
  const plain = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const base = plain.slice(0, 40);
  if (base === name) return `${PREFIX}${base}`;
  return `${PREFIX}${base}_${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
}

/** Is this role or slot name one the program made for a replica (never drops any other)? */
export function isReplicaSlotName(name: string): boolean {
  return /^rp_replica_[a-z0-9_]{1,50}$/.test(name);
}

/** What R's server needs to stream from P: where P is, as whom, through which slot. */
export interface ReplicaLink {
  primary: Instance;
  slot: string;
  /** The replication role on P (same as slot). */
  user: string;
  password: Secret;
}

export function replicaLinkOf(replica: Instance, primary: Instance): ReplicaLink {
  if (!replica.replicationPassword) throw new Error(`instance ${replica.name} is not a replica`);
  const slot = replicaSlotName(replica.name);
  return { primary, slot, user: slot, password: replica.replicationPassword };
}

/** A libpq password-file line for the replication role (any host, port and database of P). */
export function replicationPassfileLine(link: Pick<ReplicaLink, 'user' | 'password'>): string {
  return passfileLine(link.user, link.password.reveal());
}

/**
 * primary_conninfo without any password: libpq reads it from `passfile` (0600, owned by the
 * server's user). Values are ours (host, port, identifiers, a plain path), quoted anyway.
 * require_auth=scram-sha-256 (libpq 16+): the WAL receiver reconnects forever, and while P is
 * down anyone who binds P's port could otherwise ask for the password in clear text; SCRAM
 * never sends it. Majors before 16 have no such option (native replicas refuse them, checks.ts).
 */
export function primaryConninfo(opts: {
  host: string;
  port: number;
  user: string;
  passfile: string;
  applicationName: string;
  /** The replica server's major: it decides whether its libpq knows require_auth. */
  major: number | undefined;
}): string {
  const q = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [
    `host=${q(opts.host)}`,
    `port=${opts.port}`,
    `user=${q(opts.user)}`,
    `passfile=${q(opts.passfile)}`,
    `application_name=${q(opts.applicationName)}`,
    'sslmode=prefer',
    ...(opts.major !== undefined && opts.major >= REQUIRE_AUTH_MAJOR ? ['require_auth=scram-sha-256'] : []),
  ].join(' ');
}
