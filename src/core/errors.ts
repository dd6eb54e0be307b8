/**
 * The small error vocabulary. Every error a user can cause or meet carries an exit code
 * and a hint (the next step). Anything thrown that is not a CliError is a bug: main prints
 * it briefly, with a stack only under --verbose.
 */
export type ErrorKind =
  | 'usage' // bad flags, names, values: nothing was changed
  | 'not-found' // no such instance / database / backup
  | 'conflict' // port taken, instance exists with other settings
  | 'engine' // Docker daemon / binaries / image problems
  | 'timeout' // readiness or an operation ran past its deadline
  | 'config' // a damaged instance.conf or home
  | 'refused' // needs --force or a TTY confirmation
  | 'failed'; // the operation ran and failed (server error, pg_ctl failure)

const EXIT_CODES: Record<ErrorKind, number> = {
  usage: 1,
  'not-found': 2,
  conflict: 1,
  engine: 1,
  timeout: 1,
  config: 1,
  refused: 1,
  failed: 1,
};

export class CliError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  /** Evidence shown under the message: log tails, the command that ran. */
  readonly details?: string;
  readonly exitCode: number;

  constructor(
    kind: ErrorKind,
    message: string,
    opts: { hint?: string; details?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.kind = kind;
    this.hint = opts.hint;
    this.details = opts.details;
    this.exitCode = opts.exitCode ?? EXIT_CODES[kind];
  }
}

export const usageError = (message: string, hint?: string) => new CliError('usage', message, { hint });

export const notFound = (message: string, hint?: string) => new CliError('not-found', message, { hint });

export function isCliError(e: unknown): e is CliError {
  return e instanceof CliError;
}

/** A short one-line description of any thrown value, for "last error" reports. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}
