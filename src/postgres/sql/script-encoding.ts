import { CliError } from '../../core/errors.js';
import type { Session } from '../session.js';
import { canonicalEncoding, codecFor } from './encodings.js';

/**
 * The client encoding a script is written in, kept apart from the connection's. psql sends
 * a script's bytes as they are and the server decodes them in its client_encoding, so a
 * `SET client_encoding TO WIN1252` (as in a pg_dump of a WIN1252 database) changes how the
 * rest of the file is read. Here the script's text is decoded by this program (reader.ts)
 * and the connection keeps speaking UTF-8: when the server reports (ParameterStatus) that
 * the script changed client_encoding, that becomes the script's encoding and the
 * connection is set back to a UTF-8 "wire". On a UTF8 server the wire is SQL_ASCII, which
 * passes UTF-8 through unchanged both ways, so that a later `SET client_encoding TO UTF8`
 * in the script is still a change the server reports. (SHOW client_encoding therefore
 * shows the wire, not the script's encoding.)
 */
export class ScriptEncoding {
  /** Canonical name of the encoding the script is read in now. */
  current: string;
  /** What this program last left the connection's client_encoding at. */
  private wire = 'UTF8';

  constructor(readonly initial: string) {
    this.current = initial;
  }

  /** Parses an --encoding / PGCLIENTENCODING value; an unknown or unreadable one is an error before anything runs. */
  static named(name: string | undefined, origin: string): ScriptEncoding {
    if (!name || name.toLowerCase() === 'auto') return new ScriptEncoding('UTF8');
    const canonical = canonicalEncoding(name);
    if (!canonical)
      throw new CliError('usage', `unknown encoding ${JSON.stringify(name)} (${origin})`, {
        hint: 'use a PostgreSQL encoding name: UTF8, LATIN1, WIN1252, SJIS, ...',
      });
    unreadable(canonical, origin);
    return new ScriptEncoding(canonical);
  }

  /** After connecting (also after \connect): the script's encoding starts over, and the wire is set if it must be. */
  async connected(session: Session): Promise<void> {
    this.current = this.initial;
    this.wire = session.parameter('client_encoding') ?? 'UTF8';
    // Starting in another encoding, the wire must differ from UTF8 too, or the script's own
    // SET client_encoding TO UTF8 would change nothing the server reports.
    if (this.current !== 'UTF8' && this.wire === 'UTF8' && session.parameter('server_encoding') === 'UTF8')
      await this.setWire(session, 'SQL_ASCII');
  }

  /**
   * After a statement: takes up a client_encoding change the server reported. Returns true
   * when the script's encoding changed (the caller re-reads the rest of the script).
   */
  /** Cheap check before sync(): did the server report a client_encoding other than the wire's? */
  pending(session: Session): boolean {
    const reported = session.parameter('client_encoding');
    return !!reported && reported !== this.wire;
  }

  async sync(session: Session, at: string): Promise<boolean> {
    const reported = session.parameter('client_encoding');
    if (!reported || reported === this.wire) return false;
    const canonical = canonicalEncoding(reported) ?? reported;
    unreadable(canonical, at);
    const changed = canonical !== this.current;
    this.current = canonical;
    await this.restoreWire(session);
    return changed;
  }

  private async restoreWire(session: Session): Promise<void> {
    const reported = session.parameter('client_encoding');
    const utf8Server = session.parameter('server_encoding') === 'UTF8';
    if (reported === 'UTF8' || (reported === 'SQL_ASCII' && utf8Server)) {
      this.wire = reported;
      return;
    }
    await this.setWire(session, utf8Server ? 'SQL_ASCII' : 'UTF8');
  }

  private async setWire(session: Session, wire: 'SQL_ASCII' | 'UTF8'): Promise<void> {
    await session.client.query(`SET client_encoding TO '${wire}'`);
    this.wire = session.parameter('client_encoding') ?? wire;
  }
}

function unreadable(canonical: string, where: string): void {
  if (codecFor(canonical)) return;
  throw new CliError('usage', `${where}: client encoding ${canonical} cannot be read here`, {
    hint: 'convert the script to UTF-8 (iconv -f ... -t UTF-8) and drop its SET client_encoding, or run it with psql',
  });
}
