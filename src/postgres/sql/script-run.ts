import { CliError, describeError } from '../../core/errors.js';
import { quoteLiteral } from '../identifiers.js';
import type { Session } from '../session.js';
import type { MetaState } from './meta.js';
import type { ScriptReader } from './reader.js';
import { ScriptEncoding } from './script-encoding.js';
import { Variables } from './variables.js';

export interface ScriptOptions {
  /** The encoding the script is in until it says otherwise (--encoding, PGCLIENTENCODING); UTF8 by default. */
  encoding?: string;
  /** Where `encoding` came from, for its error message. */
  encodingOrigin?: string;
  /** Whether \connect may move the session; a migration runs inside one transaction, so it may not. */
  allowConnect?: boolean;
  /**
   * Which statement results become events: all (the default), only those that return rows,
   * or none. A caller that prints no command tags (quiet, CSV, a migration) says so, and a
   * script of a million INSERTs hands a million results through no layer of generators.
   */
  results?: 'all' | 'rows' | 'none';
}

/** Failures listed in the closing error of a run that went on past them; the rest are counted. */
const LISTED_FAILURES = 20;

/**
 * The state one script run shares across its files (\i): psql variables (ON_ERROR_STOP
 * among them), restricted mode, the script's client encoding, the session (which \connect
 * moves), and the errors passed over while ON_ERROR_STOP was off.
 */
export class ScriptRun {
  readonly vars: Variables;
  readonly meta: MetaState;
  readonly failures: string[] = [];

  private constructor(
    readonly session: Session,
    readonly encoding: ScriptEncoding,
    private readonly opts: ScriptOptions,
  ) {
    // As `psql -X -v ON_ERROR_STOP=1` sets them; DBNAME and the like as psql predefines them.
    const c = session.client as unknown as { user?: string; host?: string; port?: number };
    this.vars = new Variables({
      ON_ERROR_STOP: '1',
      DBNAME: session.database,
      USER: c.user ?? '',
      HOST: c.host ?? '',
      PORT: String(c.port ?? ''),
    });
    this.meta = { vars: this.vars };
  }

  static async start(session: Session, opts: ScriptOptions): Promise<ScriptRun> {
    const encoding = ScriptEncoding.named(opts.encoding, opts.encodingOrigin ?? '--encoding');
    await encoding.connected(session);
    return new ScriptRun(session, encoding, opts);
  }

  /** Whether a statement result (with its rows, if any) is reported (ScriptOptions.results). */
  reports(hasRows: boolean): boolean {
    const which = this.opts.results ?? 'all';
    return which === 'all' || (which === 'rows' && hasRows);
  }

  stopOnError(): boolean {
    return this.vars.bool('ON_ERROR_STOP') !== false;
  }

  /** Before the next item: the reader reads on with what the last statement or meta-command changed. */
  prepare(reader: ScriptReader): void {
    reader.splitter.standardStrings = this.session.parameter('standard_conforming_strings') !== 'off';
    reader.splitter.variables ??= (name) => this.vars.get(name);
    if (reader.encoding !== this.encoding.current) reader.setEncoding(this.encoding.current);
  }

  /** Whether the server reported a client_encoding the script run has not taken up yet (then afterStatement acts). */
  encodingReported(): boolean {
    return this.encoding.pending(this.session);
  }

  async afterStatement(_reader: ScriptReader, at: string): Promise<void> {
    await this.encoding.sync(this.session, at);
  }

  /** \connect DB: a new connection to that database of the instance, as the same user (psql keeps the old one if it fails). */
  async connect(
    database: string | undefined,
    at: string,
  ): Promise<{ type: 'connected'; database: string; user: string }> {
    if (this.opts.allowConnect === false)
      throw new CliError('usage', `${at}: \\connect is not allowed here`, {
        hint: 'a migration runs in one transaction on one database; apply this file with content add instead',
      });
    const target = database ?? this.session.database;
    try {
      await this.session.reconnect(target);
    } catch (e) {
      throw new CliError('failed', `${at}: \\connect ${target}: ${describeError(e)}`, {
        hint: e instanceof CliError ? e.hint : undefined,
        cause: e,
      });
    }
    await this.encoding.connected(this.session);
    this.vars.set('DBNAME', target);
    return { type: 'connected', database: target, user: this.vars.get('USER') ?? '' };
  }

  /** \encoding NAME: what `SET client_encoding` does (the server checks the name). */
  async setEncoding(name: string, _reader: ScriptReader, at: string): Promise<void> {
    try {
      await this.session.client.query(`SET client_encoding TO ${quoteLiteral(name)}`);
    } catch (e) {
      throw new CliError('usage', `${at}: \\encoding ${name}: ${describeError(e)}`, { cause: e });
    }
    await this.encoding.sync(this.session, at);
  }

  failureSummary(name: string): CliError {
    const n = this.failures.length;
    const listed = this.failures.slice(0, LISTED_FAILURES);
    return new CliError(
      'failed',
      `${n} statement${n === 1 ? '' : 's'} of ${name} failed (the script set ON_ERROR_STOP off, so the run went on)`,
      {
        details: [...listed, ...(n > listed.length ? [`... and ${n - listed.length} more`] : [])].join('\n'),
        hint: 'each error was reported where it happened; psql would have exited 0 here, this exits 1 so that a caller notices',
      },
    );
  }
}
