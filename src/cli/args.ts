import type { Options } from 'yargs';
import type { CommandId } from './ids.js';
import type { GlobalOptions } from '../commands/options.js';
import { DEFAULTS } from '../core/defaults.js';
import { DURATION_EXAMPLES, parseDuration } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import { validateInstanceName } from '../core/instance.js';

/** Options shared by every verb and the rules for reading their values; program.ts wires verbs. */
export type Args = Record<string, unknown> & { _: Array<string | number> };
export type Run = (command: CommandId, toOptions: (a: Args) => Record<string, unknown>) => (a: Args) => void;

export const globalOptions = {
  home: { type: 'string', describe: 'home directory holding the instances (or RESOURCE_POSTGRES_HOME)', global: true },
  json: { type: 'boolean', describe: 'same as --format json', global: true },
  format: {
    type: 'string',
    choices: ['text', 'json', 'env', 'csv', 'pgpass', 'service', 'pgadmin', 'pgweb'],
    describe: 'output format (pgpass, service, pgadmin, pgweb: credentials only)',
    global: true,
  },
  quiet: { type: 'boolean', alias: 'q', describe: 'only data and errors', global: true },
  verbose: { type: 'boolean', alias: 'v', describe: 'more detail; stack traces on internal errors', global: true },
  color: { type: 'boolean', default: true, describe: 'colored text output (--no-color, or NO_COLOR)', global: true },
} satisfies Record<string, Options>;

export const instanceOpt = (fallback: string | undefined): Options => ({
  type: 'string',
  describe: `instance name (or RESOURCE_POSTGRES_INSTANCE)${fallback ? `; default ${fallback}` : ''}`,
  default: fallback,
  defaultDescription: fallback,
  requiresArg: true,
});
/** A flag that takes a value, and a yes/no flag. */
export const str = (describe: string): Options => ({ type: 'string', describe, requiresArg: true });
export const flag = (describe: string): Options => ({ type: 'boolean', describe });
export const allOpt: Options = { type: 'boolean', describe: 'every instance in the home' };
export const fastOpt: Options = { type: 'boolean', describe: 'skip the SQL query; check process and TCP only' };
export const dryRunOpt: Options = { type: 'boolean', describe: 'print what would be done; change nothing' };
export const forceOpt = (describe: string): Options => ({ type: 'boolean', describe });
// A string, checked by positiveNumber: yargs would turn "abc" into NaN and lose what was typed.
export const timeoutOpt = (describe: string): Options => ({ type: 'string', describe, requiresArg: true });

export const secretsOptions = {
  'show-secrets': { type: 'boolean', describe: 'show the password', alias: 'show-sensitive' },
} satisfies Record<string, Options>;

export const logsOptions = {
  tail: { type: 'string', default: String(DEFAULTS.logTail), describe: 'last N lines (0: all)', requiresArg: true },
  follow: { type: 'boolean', alias: 'f', describe: 'keep printing new lines until interrupted' },
  since: {
    type: 'string',
    describe: 'only lines at or after this time (ISO 8601, or 10m / 2h / 1d ago)',
    requiresArg: true,
  },
} satisfies Record<string, Options>;

/**
 * The one rule for every flag that takes a value: a token spelled like a flag (--file, -f,
 * --x=1) is never taken as the value, so `--database --force` is an error, not a database
 * named "--force". Negative numbers ("-1") and SQL comments ("-- note") are values.
 */
const LOOKS_LIKE_FLAG = /^--?[A-Za-z][\w-]*(=.*)?$/;

export function value(a: Args, key: string, label = `--${key}`): string | undefined {
  const v = a[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '' || LOOKS_LIKE_FLAG.test(v)) {
    throw usageError(
      `${label} needs a value${typeof v === 'string' && v ? `, not the flag ${v}` : ''}`,
      `e.g. ${label} VALUE`,
    );
  }
  return v;
}

export function instanceName(a: Args): string {
  return validateInstanceName(value(a, 'instance') ?? DEFAULTS.instance);
}

export function selector(a: Args) {
  return { instance: instanceName(a), all: Boolean(a.all) };
}

export function showSecrets(a: Args): boolean {
  return Boolean(a['show-secrets'] || a['show-sensitive']);
}

/** credentials --format pgpass|service|pgadmin|pgweb [--out DIR] [--passfile PATH]. */
export function toolFormatOptions(a: Args) {
  const format = a.json ? 'json' : (a.format as string | undefined);
  const toolFormat = ['pgpass', 'service', 'pgadmin', 'pgweb'].includes(format ?? '')
    ? (format as 'pgpass' | 'service' | 'pgadmin' | 'pgweb')
    : undefined;
  const out = value(a, 'out');
  if (out !== undefined && !toolFormat)
    throw usageError('--out works with --format pgpass, service, pgadmin or pgweb', 'e.g. --format pgpass --out DIR');
  return { toolFormat, out, passfile: value(a, 'passfile') };
}

export function positiveNumber(a: Args, key: string): number | undefined {
  const v = a[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
    throw usageError(`--${key} must be a non-negative number, not ${JSON.stringify(String(v))}`, `e.g. --${key} 30`);
  return n;
}

/** logs --since: an ISO 8601 time, or a duration ago. */
export function parseSince(value: string, now: Date = new Date()): Date {
  const ago = parseDuration(value);
  if (ago !== undefined) return new Date(now.getTime() - ago);
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw usageError(
      `invalid --since ${JSON.stringify(value)}`,
      `use an ISO 8601 time (2026-01-31T12:00:00Z) or a duration (${DURATION_EXAMPLES})`,
    );
  return date;
}

export function logs(a: Args) {
  const since = value(a, 'since');
  return {
    tail: positiveNumber(a, 'tail') ?? DEFAULTS.logTail,
    follow: Boolean(a.follow),
    since: since ? parseSince(since) : undefined,
  };
}

export function globals(a: Args): GlobalOptions {
  const format = (a.json ? 'json' : (a.format as GlobalOptions['format'] | undefined)) ?? 'text';
  return {
    home: value(a, 'home'),
    format,
    quiet: Boolean(a.quiet),
    verbose: Boolean(a.verbose),
    color: a.color !== false && !process.env.NO_COLOR,
  };
}
