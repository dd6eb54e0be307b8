import type { Argv, Options } from 'yargs';
import type { CommandId } from './program.js';
import type { GlobalOptions } from '../commands/options.js';
import { DEFAULTS } from '../core/defaults.js';
import { usageError } from '../core/errors.js';
import { validateInstanceName } from '../core/instance.js';
import { parsePort } from '../core/ports.js';

/** Option definitions and argv -> options translation; cli.ts wires them to commands. */
export type Args = Record<string, unknown> & { _: Array<string | number> };
type Run = (command: CommandId, toOptions: (a: Args) => Record<string, unknown>) => (a: Args) => void;

export const globalOptions = {
  home: { type: 'string', describe: 'home directory holding the instances (or RESOURCE_POSTGRES_HOME)', global: true },
  json: { type: 'boolean', describe: 'same as --format json', global: true },
  format: { type: 'string', choices: ['text', 'json', 'env', 'csv'], describe: 'output format', global: true },
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

const createOptions = {
  engine: {
    type: 'string',
    choices: ['docker', 'native', 'auto'],
    default: 'auto',
    describe: 'engine for a new instance',
    requiresArg: true,
  },
  template: {
    type: 'string',
    describe: `tuning template for a new instance (default ${DEFAULTS.template})`,
    requiresArg: true,
  },
  port: {
    type: 'string',
    describe: `port for a new instance (${DEFAULTS.portRangeStart}-${DEFAULTS.portRangeEnd}); default: first free`,
    requiresArg: true,
  },
  image: {
    type: 'string',
    describe: `docker image for a new instance (or RESOURCE_POSTGRES_IMAGE; default ${DEFAULTS.image})`,
    requiresArg: true,
  },
  'pg-bin': {
    type: 'string',
    describe: 'native: a PostgreSQL bin directory to use (or RESOURCE_POSTGRES_PG_BIN)',
    requiresArg: true,
  },
  bind: {
    type: 'string',
    describe: 'address to publish the port on (default 127.0.0.1; others are reachable from the network)',
    requiresArg: true,
  },
} satisfies Record<string, Options>;

function text(a: Args, key: string): string | undefined {
  const v = a[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '' || (v.startsWith('-') && key !== 'sql')) {
    throw usageError(
      `--${key} needs a value${typeof v === 'string' && v ? `, not the flag ${v}` : ''}`,
      `e.g. --${key} VALUE`,
    );
  }
  return v;
}

export function instanceName(a: Args): string {
  return validateInstanceName(text(a, 'instance') ?? DEFAULTS.instance);
}

export function selector(a: Args) {
  return { instance: instanceName(a), all: Boolean(a.all) };
}

export function showSecrets(a: Args): boolean {
  return Boolean(a['show-secrets'] || a['show-sensitive']);
}

function positiveNumber(a: Args, key: string): number | undefined {
  const v = a[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
    throw usageError(`--${key} must be a non-negative number, not ${JSON.stringify(String(v))}`, `e.g. --${key} 30`);
  return n;
}

const AGO_RE = /^(\d+)([smhd])$/;
export function parseSince(value: string, now: Date = new Date()): Date {
  const ago = AGO_RE.exec(value);
  if (ago) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[ago[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(ago[1]) * unit * 1000);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw usageError(
      `invalid --since ${JSON.stringify(value)}`,
      'use an ISO 8601 time (2026-01-31T12:00:00Z) or a duration like 10m, 2h, 1d',
    );
  return date;
}

export function logs(a: Args) {
  const since = text(a, 'since');
  return {
    tail: positiveNumber(a, 'tail') ?? DEFAULTS.logTail,
    follow: Boolean(a.follow),
    since: since ? parseSince(since) : undefined,
  };
}

function create(a: Args) {
  // "-1" is a bad port, not a flag taken as a value: say so in the port's own terms.
  const port = typeof a.port === 'string' && /^-\d+$/.test(a.port) ? a.port : text(a, 'port');
  return {
    engine: (a.engine as string | undefined) ?? 'auto',
    template: text(a, 'template'),
    port: port === undefined ? undefined : parsePort(port),
    image: text(a, 'image'),
    pgBin: text(a, 'pg-bin'),
    bind: text(a, 'bind'),
  };
}

export function globals(a: Args): GlobalOptions {
  const format = (a.json ? 'json' : (a.format as GlobalOptions['format'] | undefined)) ?? 'text';
  return {
    home: text(a, 'home'),
    format,
    quiet: Boolean(a.quiet),
    verbose: Boolean(a.verbose),
    color: a.color !== false && !process.env.NO_COLOR,
  };
}

export function manageCommands(y: Argv, defaultInstance: string, run: Run): Argv {
  const inst = { instance: instanceOpt(defaultInstance) };
  return y
    .command(
      'install',
      'Check prerequisites, prepare the engine, create and start the default instance',
      (c) =>
        c.options({
          ...inst,
          ...createOptions,
          force: forceOpt('re-run every step even if installed (never deletes data)'),
          'skip-validation': { type: 'boolean', describe: 'skip the prerequisite checks' },
          'dry-run': dryRunOpt,
          timeout: timeoutOpt('seconds to wait for readiness'),
        }),
      run('manage.install', (a) => ({
        instance: instanceName(a),
        ...create(a),
        force: Boolean(a.force),
        skipValidation: Boolean(a['skip-validation']),
        dryRun: Boolean(a['dry-run']),
        timeoutSec: positiveNumber(a, 'timeout'),
      })),
    )
    .command(
      'start',
      'Start an instance, creating it first when it does not exist; returns when it accepts queries',
      (c) =>
        c.options({
          ...inst,
          all: allOpt,
          ...createOptions,
          wait: {
            type: 'boolean',
            default: true,
            describe: 'wait until it accepts queries (--no-wait to return at once)',
          },
          timeout: timeoutOpt('seconds to wait for readiness (default from resource.yaml)'),
          force: forceOpt('restart it even if it runs (never deletes data)'),
          'dry-run': dryRunOpt,
        }),
      run('manage.start', (a) => ({
        ...selector(a),
        ...create(a),
        wait: a.wait !== false,
        timeoutSec: positiveNumber(a, 'timeout'),
        force: Boolean(a.force),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'stop',
      'Stop an instance; data is never deleted',
      (c) =>
        c.options({
          ...inst,
          all: allOpt,
          force: forceOpt('immediate shutdown instead of a clean one'),
          timeout: timeoutOpt(`seconds to wait for a clean stop (default ${DEFAULTS.stopTimeoutSec})`),
          'dry-run': dryRunOpt,
        }),
      run('manage.stop', (a) => ({
        ...selector(a),
        force: Boolean(a.force),
        timeoutSec: positiveNumber(a, 'timeout') ?? DEFAULTS.stopTimeoutSec,
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'restart',
      'Stop and start with the same credentials and data',
      (c) =>
        c.options({ ...inst, all: allOpt, timeout: timeoutOpt('seconds to wait for readiness'), 'dry-run': dryRunOpt }),
      run('manage.restart', (a) => ({
        ...selector(a),
        timeoutSec: positiveNumber(a, 'timeout'),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'uninstall',
      'Remove one instance (--instance) or all, with their data unless --keep-data',
      (c) =>
        c.options({
          instance: { type: 'string', describe: 'only this instance (default: all)' },
          force: forceOpt('confirm without a TTY'),
          'keep-data': { type: 'boolean', describe: 'keep data and credentials' },
          'dry-run': dryRunOpt,
        }),
      run('manage.uninstall', (a) => ({
        instance: a.instance === undefined ? undefined : instanceName(a),
        force: Boolean(a.force),
        keepData: Boolean(a['keep-data']),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .demandCommand(1, 'name a manage verb: install, start, stop, restart or uninstall');
}
