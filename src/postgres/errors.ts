import { CliError, describeError } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { locatePosition } from './sql/error-position.js';

/** The fields of pg's DatabaseError we show (structural: pg is never imported here). */
interface ServerError {
  message: string;
  severity?: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
  internalQuery?: string;
}

function isServerError(e: unknown): e is ServerError {
  return (
    e instanceof Error &&
    typeof (e as { severity?: unknown }).severity === 'string' &&
    typeof (e as { code?: unknown }).code === 'string'
  );
}

/** Which statement of which script failed. */
export interface StatementAt {
  source: string;
  statement: string;
  line: number;
  /** COPY ... FROM stdin: the script line of the first data row. */
  dataLine?: number;
}

/**
 * A failed statement as psql would show it: where (file:line), the server's message, the
 * offending line with a caret, DETAIL, CONTEXT, and the server's HINT as our hint.
 */
export function statementError(e: unknown, at: StatementAt): CliError {
  if (!isServerError(e)) {
    if (e instanceof CliError) return e;
    return new CliError('failed', `${at.source}:${at.line}: ${describeError(e)}`, {
      hint: 'the connection to the server was lost or refused; check: resource-postgres status',
      cause: e,
    });
  }
  const spot = e.position ? locatePosition(at.statement, Number(e.position), at.line) : undefined;
  const copyRow = at.dataLine && e.where ? /^COPY [^,]+, line (\d+)/.exec(e.where) : null;
  const line = spot?.line ?? (copyRow ? at.dataLine! + Number(copyRow[1]) - 1 : at.line);
  const details = [
    ...(spot?.excerpt ?? []),
    e.detail ? `DETAIL:  ${e.detail}` : '',
    e.where ? `CONTEXT:  ${e.where}` : '',
    e.internalQuery ? `QUERY:  ${e.internalQuery}` : '',
    `SQLSTATE: ${e.code}`,
  ].filter(Boolean);
  return new CliError('failed', `${at.source}:${line}: ${e.severity ?? 'ERROR'}:  ${e.message}`, {
    details: details.join('\n'),
    hint: e.hint ?? hintFor(e.code),
    cause: e,
  });
}

function hintFor(code: string | undefined): string | undefined {
  if (code === '25P02')
    return 'an earlier statement failed inside this transaction; fix it, or end the transaction with ROLLBACK';
  if (code === '25001')
    return 'this statement cannot run inside a transaction block (in a migration, add the comment -- resource-postgres: no-transaction)';
  return undefined;
}

/** A failed catalog or bookkeeping query (not a user's statement): the server's words, as a CliError. */
export function serverError(e: unknown, what: string): CliError {
  if (e instanceof CliError) return e;
  if (!isServerError(e))
    return new CliError('failed', `${what}: ${describeError(e)}`, {
      hint: 'the connection to the server was lost; check: resource-postgres status',
      cause: e,
    });
  return new CliError('failed', `${what}: ${e.severity ?? 'ERROR'}:  ${e.message}`, {
    details: [e.detail ? `DETAIL:  ${e.detail}` : '', `SQLSTATE: ${e.code}`].filter(Boolean).join('\n'),
    hint: e.hint,
    cause: e,
  });
}

/** Could not connect or log in: say which instance and database, and what to try. */
export function connectError(e: unknown, instance: Instance, database: string): CliError {
  const code = (e as { code?: string }).code;
  const where = `instance ${instance.name} (127.0.0.1:${instance.port}, database ${database})`;
  if (code === '3D000') {
    return new CliError('not-found', `database ${database} does not exist in instance ${instance.name}`, {
      hint: `create it with: resource-postgres content create-database ${database} --instance ${instance.name}`,
      exitCode: 1,
    });
  }
  if (code === 'ECONNREFUSED' || code === '57P03' || code === 'ETIMEDOUT' || /timeout/i.test(describeError(e))) {
    return new CliError('failed', `cannot connect to ${where}: ${describeError(e)}`, {
      hint: `is it running? check: resource-postgres status --instance ${instance.name}; start it: resource-postgres manage start --instance ${instance.name}`,
      cause: e,
    });
  }
  return new CliError('failed', `cannot connect to ${where}: ${describeError(e)}`, {
    hint:
      code === '28P01'
        ? 'the password in instance.conf does not match the server; see resource-postgres credentials'
        : `check: resource-postgres status --instance ${instance.name}`,
    cause: e,
  });
}
