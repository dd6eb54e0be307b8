import yargs, { type Argv } from 'yargs';
import { DEFAULTS, ENV } from '../core/defaults.js';
import { CliError, usageError } from '../core/errors.js';
import { TEMPLATE_NAMES } from '../core/templates.js';
import * as opt from './args.js';
import type { CommandId, Invocation } from './ids.js';
import { manageCommands, topLevelManageCommands } from './manage.js';
import { upgradeVerb } from './manage-upgrade.js';
import { promoteVerb } from './manage-replica.js';
import { translateYargsMessage } from './messages.js';
import { helpWidth, wrapHelp } from './help-wrap.js';
import { failureLevel } from './failure-level.js';
import { contentCommands } from './content.js';
import { backupCommands } from './backup.js';
import { exportCommands } from './export.js';
import { versionsCommands } from './versions.js';
import { installExtensionCommand } from './versions-extension.js';
import { poolerCommands } from './pooler.js';
import { snapshotCommands } from './snapshot.js';
import { captureCompletions, COMPLETION_REQUEST } from './completion.js';
import { uiCommand } from './ui.js';

/** Set from package.json by both builds (esbuild define): a bundle cannot read package.json. */
declare const __RESOURCE_POSTGRES_VERSION__: string | undefined;
export const VERSION =
  typeof __RESOURCE_POSTGRES_VERSION__ === 'string' ? __RESOURCE_POSTGRES_VERSION__ : '0.0.0-source';

export interface ParseEnv {
  env: NodeJS.ProcessEnv;
  /** The home in use, for help's defaults section (resolved lazily: help is the only user). */
  homeInUse: () => string;
}

function epilogue(home: string): string {
  return [
    'Defaults:',
    `  instance ${DEFAULTS.instance}, ports ${DEFAULTS.portRangeStart}-${DEFAULTS.portRangeEnd} (${DEFAULTS.instance} prefers ${DEFAULTS.preferredPort})`,
    `  engine auto: docker (image ${DEFAULTS.image}) when a daemon answers and the image is available, else native PostgreSQL ${DEFAULTS.majorVersion}`,
    `  user ${DEFAULTS.user}, database ${DEFAULTS.database}, template ${DEFAULTS.template} (${TEMPLATE_NAMES.join(', ')})`,
    `  home ${home}  (--home or ${ENV.home} to change)`,
    '',
    'Exit codes: 0 ok/healthy, 1 error/unhealthy, 2 not running/not installed/not found.',
  ].join('\n');
}

export async function parseArgv(argv: string[], penv: ParseEnv): Promise<Invocation> {
  let invocation: Invocation | undefined;
  const run = (command: CommandId, toOptions: (a: opt.Args) => Record<string, unknown>) => (a: opt.Args) => {
    invocation = { kind: 'run', command, options: toOptions(a), globals: opt.globals(a) };
  };
  const args = argv.length === 0 || (argv.length === 1 && argv[0] === 'help') ? ['--help'] : argv;
  const wantsHelp = args.includes('--help') || args.includes('-h');
  const defaultInstance = penv.env[ENV.instance] ?? DEFAULTS.instance;
  const completions = captureCompletions();

  const program: Argv = yargs(args)
    .scriptName('resource-postgres')
    .usage('$0 <command> [options]\n\nRun isolated PostgreSQL instances on one machine, on Docker or native binaries.')
    .options(opt.globalOptions)
    .command(
      'help',
      'Show this help',
      () => {},
      () => {},
    )
    .command(
      'info',
      'Runtime metadata from resource.yaml (startup order, timeout, recovery)',
      (y) => y,
      run('info', () => ({})),
    )
    .command(
      'status',
      'State and health of the resource and every instance',
      (y) => y.options({ instance: opt.instanceOpt(undefined), fast: opt.fastOpt }),
      run('status', (a) => ({
        instance: a.instance === undefined ? undefined : opt.instanceName(a),
        fast: Boolean(a.fast),
        verbose: Boolean(a.verbose),
      })),
    )
    .command(
      'logs',
      'Server log of one instance',
      (y) => y.options({ instance: opt.instanceOpt(defaultInstance), ...opt.logsOptions }),
      run('logs', (a) => ({ instance: opt.instanceName(a), ...opt.logs(a) })),
    )
    .command(
      'credentials',
      'Connection details (password masked unless --show-secrets)',
      (y) =>
        y.options({
          instance: opt.instanceOpt(defaultInstance),
          all: opt.allOpt,
          ...opt.secretsOptions,
          admin: {
            type: 'boolean',
            describe: "the program's own superuser instead of the application's role (instances with --app-role owner)",
          },
          pooler: {
            type: 'boolean',
            describe: "the pooled connection: through the instance's PgBouncer (pooler start)",
          },
          out: opt.str('with --format pgpass|service|pgadmin|pgweb: write the file(s) into this directory (0600)'),
          passfile: opt.str('with --format service|pgadmin: the password file they point at (passfile, PassFile)'),
        }),
      run('credentials', (a) => ({
        ...opt.selector(a),
        showSecrets: opt.showSecrets(a),
        admin: Boolean(a.admin),
        pooler: Boolean(a.pooler),
        ...opt.toolFormatOptions(a),
      })),
    )
    .command('manage', 'Install, start, stop, restart or uninstall instances', (y) =>
      manageCommands(y, defaultInstance, run, [upgradeVerb(defaultInstance, run), promoteVerb(defaultInstance, run)]),
    )
    .command(
      'test <suite>',
      'Self-tests against a live instance: smoke, integration, unit, all',
      (y) =>
        y
          .positional('suite', {
            choices: ['smoke', 'integration', 'unit', 'all'] as const,
            describe: 'which checks to run',
          })
          .options({ instance: opt.instanceOpt(defaultInstance) }),
      run('test', (a) => ({ suite: a.suite, instance: opt.instanceName(a) })),
    )
    .command(
      'content',
      'Databases inside an instance and SQL applied to them (list, add, get, remove, execute, create-database, migrate)',
      (y) => contentCommands(y, defaultInstance, run),
    )
    .command('backup', 'Backups: create, list, restore (in place or into a new instance), verify, prune, remove', (y) =>
      backupCommands(y, defaultInstance, run),
    )
    .command(
      'export',
      'Move an instance beyond this machine: CloudNativePG manifests (cnpg) or a Docker Compose file (compose)',
      (y) => exportCommands(y, defaultInstance, run),
    )
    .command('versions', 'PostgreSQL majors for native instances: list, install, remove, install-extension', (y) =>
      versionsCommands(y.command(installExtensionCommand(run)), run),
    )
    .command(uiCommand(run))
    .command('pooler', 'Connection pooling: a PgBouncer per instance (start, stop, status)', (y) =>
      poolerCommands(y, defaultInstance, run),
    )
    .command('snapshot', 'Database snapshots inside an instance: create, restore, list, remove', (y) =>
      snapshotCommands(y, defaultInstance, run),
    )
    .example('$0 manage start', `create and start instance ${DEFAULTS.instance} (engine auto)`)
    .example('$0 manage start --instance old --pg-version 15', 'an instance of PostgreSQL 15 beside the others')
    .example(
      '$0 manage start --instance app --template testing',
      'a second, throwaway-fast instance on the next free port',
    )
    .example('$0 status --json', 'machine-readable state and health')
    .example('eval "$($0 credentials --format env --show-secrets)"', 'export POSTGRES_* and DATABASE_URL')
    .example('$0 ui --open', 'the local web console: instances, logs, databases, SQL (token in the printed URL)')
    .example(
      '$0 credentials --all --format pgpass --out ~/.config/rp',
      'pgpass + (--format service) pg_service.conf for psql "service=main"',
    )
    .example(
      '$0 manage start --instance app --tls-require',
      'a new instance serving TLS only (clients: sslmode=verify-full)',
    )
    .example('$0 manage uninstall --instance app --force', 'remove an instance and its data')
    .example('$0 export cnpg --instance app --out k8s/', 'Kubernetes manifests for CloudNativePG, importing the data')
    .example('$0 pooler start --instance app', 'a PgBouncer in front of it; credentials --pooler gives its connection')
    .example('$0 snapshot create clean --database app', 'a snapshot of app; snapshot restore clean puts it back')
    .epilogue(wantsHelp ? epilogue(penv.homeInUse()) : '')
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .strictCommands()
    .help('help')
    .alias('help', 'h')
    .version('version', 'Show the version', VERSION)
    // `completion` prints a bash script; the script calls back with --get-yargs-completions.
    .completion(
      'completion',
      'Print a bash completion script (add to ~/.bashrc: eval "$(resource-postgres completion)")',
      completions.complete,
    )
    // Wrapped by wrapHelp below, at word boundaries (yargs would cut words in two).
    .wrap(null)
    .exitProcess(false)
    .fail((msg, err, usage) => {
      if (err instanceof CliError) throw err;
      const t = translateYargsMessage(msg ?? err?.message ?? 'invalid arguments', args, failureLevel(program, usage));
      throw usageError(t.message, t.hint);
    });

  // After the groups, so help lists them after `manage`, `test`, `content` and `backup`.
  topLevelManageCommands(program, defaultInstance, run);
  skipHelpCache(program);

  const output = await new Promise<string>((resolve, reject) => {
    program.parseAsync(args, {}, (err, _argv, out) => (err ? reject(err) : resolve(out ?? ''))).catch(reject);
  });
  if (args.includes(COMPLETION_REQUEST)) return { kind: 'print', text: (await completions.list()).join('\n') };
  if (invocation && !output) return invocation;
  // The completion script is code: never re-wrapped.
  return { kind: 'print', text: args[0] === 'completion' ? output : wrapHelp(output, helpWidth()) };
}

interface WithUsage {
  getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } };
}

/**
 * yargs renders a command's whole help after its handler ran (a third of the parse, on every
 * run), to print it should the handler fail later. Ours only record the invocation and never
 * fail; errors are reported by main, without help. So the render is skipped.
 */
function skipHelpCache(program: Argv): void {
  const usage = (program as unknown as WithUsage).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}
