import type { Client } from 'pg';
import { CliError } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { clientConfig, loadPg } from './client.js';
import { connectError } from './errors.js';

/**
 * One connection for a whole content command: connect errors become CliErrors that name
 * the instance and database, server notices go to the caller (stderr), and Ctrl-C cancels
 * the running statement on the server instead of leaving it to run on.
 */
export interface Session {
  readonly client: Client;
  readonly database: string;
  /** The full command tag of the last statement ("CREATE TABLE", "INSERT 0 1"). */
  lastTag(): string | undefined;
  /** Throws the interruption error once the signal fired. */
  checkInterrupted(): void;
  close(): Promise<void>;
}

export interface SessionOptions {
  database: string;
  signal?: AbortSignal;
  onNotice?: (message: string) => void;
}

export const interrupted = () =>
  new CliError('failed', 'interrupted', {
    hint: 'statements that completed before the interrupt stay applied unless they were inside a transaction',
    exitCode: 130,
  });

export async function openSession(instance: Instance, opts: SessionOptions): Promise<Session> {
  const pg = await loadPg();
  const client = new pg.Client(clientConfig(instance, { database: opts.database }));
  // An error event after connect (server shutdown) must not crash the process; the query fails instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    throw connectError(e, instance, opts.database);
  }
  let tag: string | undefined;
  client.connection.on('commandComplete', (msg: { text?: string }) => {
    tag = msg.text;
  });
  client.on('notice', (n) =>
    opts.onNotice?.(`${n.severity ?? 'NOTICE'}:  ${n.message}${n.detail ? `\nDETAIL:  ${n.detail}` : ''}`),
  );

  const onAbort = () => {
    void cancelBackend(instance, opts.database, client);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    client,
    database: opts.database,
    lastTag: () => tag,
    checkInterrupted() {
      if (opts.signal?.aborted) throw interrupted();
    },
    async close() {
      opts.signal?.removeEventListener('abort', onAbort);
      await client.end().catch(() => {});
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
