import type { Client } from 'pg';
import { CliError, describeError } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { isReplicaSlotName, type ReplicaLink } from '../core/replica.js';
import { withClient } from './client.js';
import { quoteIdent } from './identifiers.js';
import { scramVerifier } from './scram.js';

/** SQL of streaming replicas, always as the instance's own superuser, in its maintenance database. */
const admin = <T>(instance: Instance, fn: (c: Client) => Promise<T>, timeoutMs = 10_000) =>
  withClient(instance, { database: 'postgres', timeoutMs }, fn);

export interface PrimaryFacts {
  walLevel: string;
  maxWalSenders: number;
  versionNum: number;
  inRecovery: boolean;
  /** Tablespaces beyond pg_default and pg_global. */
  userTablespaces: number;
}

export async function primaryFacts(primary: Instance): Promise<PrimaryFacts> {
  return admin(primary, async (c) => {
    const r = await c.query<{ wal_level: string; senders: number; num: number; recovery: boolean; spc: number }>(
      `SELECT current_setting('wal_level') AS wal_level, current_setting('max_wal_senders')::int AS senders,
              current_setting('server_version_num')::int AS num, pg_is_in_recovery() AS recovery,
              (SELECT count(*) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global'))::int AS spc`,
    );
    const row = r.rows[0]!;
    return {
      walLevel: row.wal_level,
      maxWalSenders: row.senders,
      versionNum: row.num,
      inRecovery: row.recovery,
      userTablespaces: row.spc,
    };
  });
}

/**
 * The replica's role (REPLICATION LOGIN, given as a SCRAM verifier so the password reaches no
 * server log) and its slot, reserving WAL from now on: the copy that follows and the replica's
 * first connection find every segment still there. Idempotent (a retried create).
 */
export async function ensureReplicaLink(link: ReplicaLink): Promise<void> {
  await admin(link.primary, async (c) => {
    const role = quoteIdent(link.user);
    const verifier = scramVerifier(link.password.reveal());
    const exists = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [link.user])).rowCount === 1;
    await c.query(
      `${exists ? 'ALTER' : 'CREATE'} ROLE ${role} WITH REPLICATION LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${verifier}'`,
    );
    const slot = await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [link.slot]);
    if (slot.rowCount === 0) await c.query('SELECT pg_create_physical_replication_slot($1, true)', [link.slot]);
  });
}

/**
 * Drops the replica's slot (so the primary stops keeping WAL for it) and its role. A walsender
 * still using the slot (a replica just promoted or stopped) is ended first.
 */
export async function dropReplicaLink(primary: Instance, slot: string): Promise<void> {
  if (!isReplicaSlotName(slot)) throw new Error(`refusing to drop ${slot}: not a replica slot`);
  await admin(primary, async (c) => {
    for (let attempt = 0; ; attempt++) {
      await c.query(
        'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
        [slot],
      );
      try {
        await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [
          slot,
        ]);
        break;
      } catch (e) {
        // 55006: still active (the walsender is exiting): try again shortly.
        if ((e as { code?: string }).code !== '55006' || attempt >= 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    try {
      await c.query(`DROP ROLE IF EXISTS ${quoteIdent(slot)}`);
    } catch (e) {
      throw new RoleDropError(describeError(e));
    }
  });
}

/** The slot was dropped (P keeps no WAL for it) but its role was not. */
export class RoleDropError extends Error {}

export interface ReplicaState {
  inRecovery: boolean;
  /** Is the WAL receiver streaming from the primary right now? */
  streaming: boolean;
  /** WAL the primary has that the replica has not replayed; null when it cannot tell. */
  lagBytes: number | null;
  /** Age of the last replayed transaction while something is left to replay, else 0; null when unknown. */
  lagSeconds: number | null;
}

/** One query on the replica itself: no connection to the primary is needed (it may be gone). */
export async function replicaState(replica: Instance, timeoutMs = 3_000): Promise<ReplicaState> {
  return admin(
    replica,
    async (c) => {
      const r = await c.query<{ recovery: boolean; status: string | null; bytes: string | null; secs: number | null }>(
        `WITH w AS (SELECT status, GREATEST(latest_end_lsn, flushed_lsn) AS end_lsn FROM pg_stat_wal_receiver LIMIT 1)
         SELECT pg_is_in_recovery() AS recovery, w.status,
                GREATEST(0, pg_wal_lsn_diff(w.end_lsn, pg_last_wal_replay_lsn()))::bigint AS bytes,
                CASE WHEN w.end_lsn IS NULL THEN NULL
                     WHEN pg_wal_lsn_diff(w.end_lsn, pg_last_wal_replay_lsn()) <= 0 THEN 0
                     ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS secs
           FROM (SELECT 1) one LEFT JOIN w ON true`,
      );
      const row = r.rows[0]!;
      return {
        inRecovery: row.recovery,
        streaming: row.status === 'streaming',
        lagBytes: row.bytes === null ? null : Number(row.bytes),
        lagSeconds: row.secs === null ? null : Math.round(row.secs * 1000) / 1000,
      };
    },
    timeoutMs,
  );
}

/** pg_promote, waiting for the promotion to finish; nothing to do once the server is out of recovery. */
export async function promoteReplica(replica: Instance, waitSec: number): Promise<void> {
  try {
    await admin(
      replica,
      async (c) => {
        // Already out of recovery: a promote cut short after pg_promote; the caller finishes the rest.
        const rec = await c.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec');
        if (!rec.rows[0]?.rec) return;
        const r = await c.query<{ done: boolean }>('SELECT pg_promote(true, $1) AS done', [waitSec]);
        if (!r.rows[0]?.done) throw new Error(`the promotion did not finish within ${waitSec} s`);
      },
      (waitSec + 10) * 1000,
    );
  } catch (e) {
    throw new CliError('failed', `instance ${replica.name} could not be promoted: ${describeError(e)}`, {
      hint: `see its log: resource-postgres logs --instance ${replica.name}`,
    });
  }
}
