import type { Session } from '../../postgres/session.js';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { copyDatabase, endSessionsOn, IN_USE, sessionsOn } from '../../postgres/snapshots.js';

/** The connection a session holds (pg stays behind postgres/). */
type Client = Session['client'];

/**
 * A database copied through CREATE DATABASE ... TEMPLATE, which PostgreSQL refuses while the
 * source has other sessions. Without --force that refusal is ours, said before anything
 * changes; with --force the sessions are ended (and said so), and ended again when a client
 * reconnects between the terminate and the copy.
 */
export interface CopyRequest {
  source: string;
  target: string;
  owner?: string;
  force: boolean;
  /** The command to repeat with --force, for the hint. */
  retry: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function sessionsRefusal(database: string, instance: string, open: number, retry: string): CliError {
  return new CliError(
    'refused',
    `database ${database} of instance ${instance} has ${plural(open, 'open session')}: PostgreSQL copies a database only while nobody else is connected to it`,
    { hint: `close them, or end them with --force: ${retry} --force` },
  );
}

export async function copyEndingSessions(
  ctx: Context,
  client: Client,
  instance: string,
  req: CopyRequest,
): Promise<{ terminated: number }> {
  const open = await sessionsOn(client, req.source);
  if (open > 0 && !req.force) throw sessionsRefusal(req.source, instance, open, req.retry);
  let terminated = 0;
  for (let attempt = 1; ; attempt++) {
    if (req.force) {
      const ended = await endSessionsOn(client, req.source);
      if (ended > 0) ctx.talk.info(`ending ${plural(ended, 'session')} on database ${req.source} (--force)`);
      terminated += ended;
    }
    try {
      await copyDatabase(client, req);
      return { terminated };
    } catch (e) {
      if ((e as { code?: string }).code !== IN_USE) throw e;
      // A session arrived after the check: without --force it is the user's to close.
      if (!req.force || attempt >= 5) throw sessionsRefusal(req.source, instance, 1, req.retry);
    }
  }
}
