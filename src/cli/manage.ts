import type { Argv, Options } from 'yargs';
import { DEFAULTS } from '../core/defaults.js';
import { SUPPORTED_MAJORS } from '../core/pg-version.js';
import type { AppRole } from '../core/instance.js';
import { replicaOf, replicaOfOpt } from './manage-replica.js';
import { tlsAction } from './manage-tls.js';
import { parseExtensionList } from '../core/extensions.js';
import { parsePort } from '../core/ports.js';
import { fromOpt, fromOption } from './from-spec.js';
import { pgVersion } from './pg-version-arg.js';
import {
  allOpt,
  type Args,
  dryRunOpt,
  forceOpt,
  instanceName,
  instanceOpt,
  positiveNumber,
  type Run,
  selector,
  timeoutOpt,
  value,
} from './args.js';

/** `manage <verb>`: install, start, stop, restart, uninstall; flags in, one options object per verb out. */
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
  'pg-version': {
    type: 'string',
    describe: `PostgreSQL major of a new instance: ${SUPPORTED_MAJORS.join(', ')} (default ${DEFAULTS.majorVersion}; docker: image postgres:<major>-alpine unless --image)`,
    requiresArg: true,
  },
  'pg-bin': {
    type: 'string',
    describe: 'native: a PostgreSQL bin directory to use (or RESOURCE_POSTGRES_PG_BIN)',
    requiresArg: true,
  },
  'app-role': {
    type: 'string',
    choices: ['owner', 'superuser'],
    describe:
      'role a new instance hands to applications: owner (owns its database, not a superuser) or superuser (default from the template)',
    requiresArg: true,
  },
  bind: {
    type: 'string',
    describe: 'address to publish the port on (default 127.0.0.1; others are reachable from the network)',
    requiresArg: true,
  },
  extensions: {
    type: 'string',
    describe:
      "extensions to create in the instance's database, comma-separated (e.g. pg_stat_statements,vector); preloads what needs it; adds to an existing instance's",
    requiresArg: true,
  },
  tls: { type: 'boolean', describe: "a new instance offers TLS: a certificate from the home's CA (see manage tls)" },
  'tls-require': {
    type: 'boolean',
    describe: 'with --tls: TCP connections must use TLS (hostssl only); implies --tls',
  },
  spare: { type: 'boolean', describe: 'a new instance takes a spare; --no-spare: none, and none built after' },
} satisfies Record<string, Options>;

function create(a: Args) {
  const port = value(a, 'port');
  const extensions = value(a, 'extensions');
  return {
    engine: (a.engine as string | undefined) ?? 'auto',
    template: value(a, 'template'),
    port: port === undefined ? undefined : parsePort(port),
    image: value(a, 'image'),
    pgVersion: pgVersion(a),
    pgBin: value(a, 'pg-bin'),
    bind: value(a, 'bind'),
    appRole: value(a, 'app-role') as AppRole | undefined,
    extensions: extensions === undefined ? undefined : parseExtensionList(extensions),
    ...(a.tls || a['tls-require'] ? { tls: true, tlsRequire: Boolean(a['tls-require']) } : {}),
    ...(a.spare === false ? { noSpare: true } : {}),
  };
}

/** Orchestrators pass --force on every run: it repairs, it never restarts a healthy server. */
const REPAIR =
  'repair: restart only if it runs but fails the health probe; a healthy instance is left alone (never deletes data)';

/** One verb as yargs takes it; registered under `manage` and, unchanged, at the top level. */
type Verb = { name: string; describe: string; builder: (c: Argv) => Argv; handler: (a: Args) => void };

const verb = (name: string, describe: string, builder: Verb['builder'], handler: Verb['handler']): Verb => ({
  name,
  describe,
  builder,
  handler,
});

function manageVerbs(defaultInstance: string, run: Run): Verb[] {
  const inst = { instance: instanceOpt(defaultInstance) };
  return [
    verb(
      'install',
      'Check prerequisites, prepare the engine, create and start the default instance',
      (c) =>
        c.options({
          ...inst,
          ...createOptions,
          force: forceOpt(REPAIR),
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
    ),
    verb(
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
          'replica-of': replicaOfOpt,
          timeout: timeoutOpt('seconds to wait for readiness (default from resource.yaml)'),
          force: forceOpt(REPAIR),
          'dry-run': dryRunOpt,
          from: fromOpt,
        }),
      run('manage.start', (a) => ({
        ...selector(a),
        ...create(a),
        ...replicaOf(a),
        ...fromOption(a),
        wait: a.wait !== false,
        timeoutSec: positiveNumber(a, 'timeout'),
        force: Boolean(a.force),
        dryRun: Boolean(a['dry-run']),
      })),
    ),
    verb(
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
    ),
    verb(
      'restart',
      'Stop and start with the same credentials and data',
      (c) =>
        c.options({ ...inst, all: allOpt, timeout: timeoutOpt('seconds to wait for readiness'), 'dry-run': dryRunOpt }),
      run('manage.restart', (a) => ({
        ...selector(a),
        timeoutSec: positiveNumber(a, 'timeout'),
        dryRun: Boolean(a['dry-run']),
      })),
    ),
    verb(
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
    ),
    verb(
      'tls [action]',
      'TLS of an existing instance: enable, disable, or rotate its certificate (the CA stays); reloads the server',
      (c) =>
        c.positional('action', { choices: ['enable', 'disable', 'rotate'] as const, describe: 'what to do' }).options({
          ...inst,
          require: { type: 'boolean', describe: 'TCP must use TLS (hostssl only); --no-require: TLS optional' },
          'dry-run': dryRunOpt,
        }),
      run('manage.tls', (a) => ({
        instance: instanceName(a),
        action: tlsAction(a),
        require: a.require === undefined ? undefined : Boolean(a.require),
        dryRun: Boolean(a['dry-run']),
      })),
    ),
  ];
}

export function manageCommands(y: Argv, defaultInstance: string, run: Run, more: Verb[] = []): Argv {
  const verbs = [...manageVerbs(defaultInstance, run), ...more];
  for (const v of verbs) y = y.command(v.name, v.describe, v.builder, v.handler);
  return y.demandCommand(1, `name a manage verb: ${verbs.map((v) => v.name.split(' ')[0]).join(', ')}`);
}

/**
 * `install`, `start`, `stop`, `restart`, `uninstall` at the top level: the same flags, options
 * object and command as `manage <verb>` (the platform runs `resource-postgres install`).
 */
export function topLevelManageCommands(y: Argv, defaultInstance: string, run: Run): Argv {
  // tls is no platform verb: only under manage.
  for (const v of manageVerbs(defaultInstance, run).filter((v) => !v.name.startsWith('tls')))
    y = y.command(v.name, `Same as: manage ${v.name}`, v.builder, v.handler);
  return y;
}
