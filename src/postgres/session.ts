import type { Client } from 'pg';
import { CliError } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { clientConfig, loadPg } from './client.js';
import { connectError } from './errors.js';

/**
 * One connection for a whole content command: connect errors become CliErrors that name
 * the instance and database, server notices go to the caller (stderr), and Ctrl-C cancels
 * the running statement on the server instead of leaving it to run on. A script's
 * \connect moves the session to another database of the same instance.
 */
export interface Session {
  /** The current connection (a new one after reconnect). */
  readonly client: Client;
  /** The database the current connection is on. */
  readonly database: string;
  /** The full command tag of the last statement ("CREATE TABLE", "INSERT 0 1"). */
  lastTag(): string | undefined;
  /** What the server last reported for a parameter (ParameterStatus: client_encoding, standard_conforming_strings, ...). */
  parameter(name: string): string | undefined;
  /** Connects to another database of the instance as the same user, then closes the old connection (psql's \connect). */
  reconnect(database: string): Promise<void>;
  /** Throws the interruption error once the signal fired. */
  checkInterrupted(): void;
  close(): Promise<void>;
}

export interface SessionOptions {
  database: string;
  signal?: AbortSignal;
  onNotice?: (message: string) => void;
  /** As the role applications get (what the script makes is theirs), not the program's superuser. */
  asApp?: boolean;
}

export const interrupted = () =>
  new CliError('failed', 'interrupted', {
    hint: 'statements that completed before the interrupt stay applied unless they were inside a transaction',
    exitCode: 130,
  });

interface Connected {
  client: Client;
  database: string;
  params: Map<string, string>;
  tag?: string;
}

async function connectTo(instance: Instance, database: string, opts: SessionOptions): Promise<Connected> {
  const pg = await loadPg();
  const client = new pg.Client(clientConfig(instance, { database, asApp: opts.asApp }));
  // An error event after connect (server shutdown) must not crash the process; the query fails instead.
  client.on('error', () => {});
  const c: Connected = { client, database, params: new Map() };
  // Registered before connecting: the server reports its parameters during the handshake.
  client.connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
    c.params.set(m.parameterName, m.parameterValue);
  });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw connectError(e, instance, database);
  }
  client.connection.on('commandComplete', (msg: { text?: string }) => {
    c.tag = msg.text;
  });
  client.on('notice', (n) =>
    opts.onNotice?.(`${n.severity ?? 'NOTICE'}:  ${n.message}${n.detail ? `\nDETAIL:  ${n.detail}` : ''}`),
  );
  return c;
}

export async function openSession(instance: Instance, opts: SessionOptions): Promise<Session> {
  let current = await connectTo(instance, opts.database, opts);
  const onAbort = () => {
    void cancelBackend(instance, current.database, current.client);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    get client() {
      return current.client;
    },
    get database() {
      return current.database;
    },
    lastTag: () => current.tag,
    parameter: (name) => current.params.get(name),
    async reconnect(database) {
      // psql keeps the old connection when the new one fails; so does this.
      const next = await connectTo(instance, database, opts);
      const old = current;
      current = next;
      await old.client.end().catch(() => {});
    },
    checkInterrupted() {
      if (opts.signal?.aborted) throw interrupted();
    },
    async close() {
      opts.signal?.removeEventListener('abort', onAbort);
      await current.client.end().catch(() => {});
    },
  };
}

/** Asks the server to cancel what this connection runs (the protocol's CancelRequest, via SQL). */
async function cancelBackend(instance: Instance, database: string, target: Client): Promise<void> {
  const pid = (target as unknown as { processID?: number | null }).processID;
  if (!pid) return;
  const pg = await loadPg();
  const killer = new pg.Client(clientConfig(instance, { database, timeoutMs: 5_000 }));
  killer.on('error', () => {});
  try {
    await killer.connect();
    await killer.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    /* best effort: the process exits anyway */
  } finally {
    await killer.end().catch(() => {});
  }
}
