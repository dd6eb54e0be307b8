import type { Context } from '../../context.js';
import type { Instance } from '../../core/instance.js';
import { MAINTENANCE_DB, validateIdentifier } from '../../postgres/identifiers.js';
import { serverError } from '../../postgres/errors.js';
import { openSession, type Session } from '../../postgres/session.js';
import type { ExecEvent, ScriptOptions } from '../../postgres/sql/execute.js';

/** The instance a content verb works on and the database it means (validated before any connection). */
export async function contentTarget(
  ctx: Context,
  instanceName: string,
  database?: string,
): Promise<{ instance: Instance; database: string }> {
  const instance = await ctx.registry.get(instanceName);
  return { instance, database: validateIdentifier(database ?? instance.database) };
}

/**
 * A session whose server notices (RAISE NOTICE, "already exists, skipping") go to stderr.
 * Scripts run as the application's role (app role owner: what they create belongs to the
 * application, as if it had run them); catalog work (`admin`) as the program's superuser.
 */
export function connect(
  ctx: Context,
  instance: Instance,
  database: string,
  signal?: AbortSignal,
  admin = false,
): Promise<Session> {
  return openSession(instance, { database, signal, onNotice: (m) => ctx.talk.info(m), asApp: !admin });
}

export async function withSession<T>(
  ctx: Context,
  instance: Instance,
  database: string,
  signal: AbortSignal | undefined,
  fn: (s: Session) => Promise<T>,
  admin = false,
): Promise<T> {
  const session = await connect(ctx, instance, database, signal, admin);
  try {
    return await fn(session);
  } catch (e) {
    session.checkInterrupted();
    // Users' statements arrive here already translated; anything else is our own query failing.
    throw serverError(e, `on database ${database} of instance ${instance.name}`);
  } finally {
    await session.close();
  }
}

/** Catalog and admin work (create, drop, list) connects to the maintenance database. */
export function withAdmin<T>(
  ctx: Context,
  instance: Instance,
  signal: AbortSignal | undefined,
  fn: (s: Session) => Promise<T>,
): Promise<T> {
  return withSession(ctx, instance, MAINTENANCE_DB, signal, fn, true);
}

/** How a script is read: --encoding, else PGCLIENTENCODING (as psql honours it), else UTF-8. */
export function scriptOptions(ctx: Context, encoding: string | undefined): ScriptOptions {
  const chosen = encoding ?? ctx.env.PGCLIENTENCODING;
  return chosen ? { encoding: chosen, encodingOrigin: encoding ? '--encoding' : 'PGCLIENTENCODING' } : {};
}

/** A statement that failed while the script had ON_ERROR_STOP off: said on stderr where it happened, and the run goes on. */
export function reportPassedError(ctx: Context, e: Extract<ExecEvent, { type: 'error' }>): void {
  const { message, details } = e.error;
  ctx.talk.warn(`${message}${details ? `\n${details}` : ''}\n(ON_ERROR_STOP is off: going on)`);
}
