import type { CommandId, Invocation } from './cli/ids.js';
import { parseArgv } from './cli/program.js';
import type { GlobalOptions } from './commands/options.js';
import type { CommandResult } from './commands/result.js';
import type { Context, Io, Talk } from './context.js';
import { programDir, resolveHome } from './core/home.js';
import { SPARE_BUILDER_ARG } from './core/spares.js';
import { CliError } from './core/errors.js';
import { watchSignals } from './signals.js';
import { trace } from './core/trace.js';

type Handler = (ctx: Context, options: never, signal: AbortSignal) => Promise<CommandResult> | CommandResult;

/** Commands load on demand: `help` and `info` never pay for pg or dockerode. */
const handlers: Record<CommandId, () => Promise<Handler>> = {
  info: async () => (await import('./commands/info.js')).info as Handler,
  status: async () => (await import('./commands/status/index.js')).status as Handler,
  logs: async () => (await import('./commands/logs.js')).logs as Handler,
  credentials: async () => (await import('./commands/credentials.js')).credentials as Handler,
  'manage.install': async () => (await import('./commands/manage/index.js')).install as Handler,
  'manage.start': async () => (await import('./commands/manage/index.js')).start as Handler,
  'manage.stop': async () => (await import('./commands/manage/index.js')).stop as Handler,
  'manage.restart': async () => (await import('./commands/manage/index.js')).restart as Handler,
  'manage.uninstall': async () => (await import('./commands/manage/index.js')).uninstall as Handler,
  'manage.upgrade': async () => (await import('./commands/manage/upgrade.js')).upgrade as Handler,
  'manage.promote': async () => (await import('./commands/replica/promote.js')).promote as Handler,
  'manage.tls': async () => (await import('./commands/manage/tls.js')).tls as Handler,
  test: async () => (await import('./commands/test/index.js')).selftest as Handler,
  content: async () => (await import('./commands/content/index.js')).content as Handler,
  backup: async () => (await import('./commands/backup/index.js')).backup as Handler,
  export: async () => (await import('./commands/export/index.js')).exportInstance as Handler,
  versions: async () => (await import('./commands/versions/index.js')).versions as Handler,
  ui: async () => (await import('./ui/index.js')).ui as Handler,
  'versions.install-extension': async () =>
    (await import('./commands/versions/install-extension.js')).installExtensionCommand as Handler,
  'pooler.start': async () => (await import('./commands/pooler/index.js')).pooler as Handler,
  'pooler.stop': async () => (await import('./commands/pooler/index.js')).pooler as Handler,
  'pooler.status': async () => (await import('./commands/pooler/index.js')).pooler as Handler,
  snapshot: async () => (await import('./commands/snapshot/index.js')).snapshot as Handler,
};

function makeTalk(io: Io, g: Pick<GlobalOptions, 'quiet' | 'format'>): Talk {
  const silent = g.quiet || g.format === 'json';
  return {
    info: (m) => {
      if (!silent) io.stderr.write(`${m}\n`);
    },
    warn: (m) => {
      if (g.format !== 'json') io.stderr.write(`warning: ${m}\n`);
    },
    progress: (m, always) => {
      if (!silent && (io.stderrIsTTY || always)) io.stderr.write(`${m}\n`);
    },
  };
}

function reportError(io: Io, e: unknown, g: { verbose: boolean; format: string }): number {
  if (e instanceof CliError) {
    if (g.format === 'json') {
      io.stdout.write(
        `${JSON.stringify({ error: { kind: e.kind, message: e.message, hint: e.hint ?? null, details: e.details ?? null } }, null, 2)}\n`,
      );
    } else {
      io.stderr.write(`error: ${e.message}\n`);
      if (e.details) io.stderr.write(`${e.details}\n`);
      if (e.hint) io.stderr.write(`hint: ${e.hint}\n`);
      if (g.verbose && e.cause) io.stderr.write(`cause: ${String((e.cause as Error).stack ?? e.cause)}\n`);
    }
    return e.exitCode;
  }
  // Not in our vocabulary: a bug. Brief unless --verbose.
  const err = e as Error;
  const message = `internal error: ${err?.message ?? String(e)}`;
  if (g.format === 'json') io.stdout.write(`${JSON.stringify({ error: { kind: 'internal', message } }, null, 2)}\n`);
  else
    io.stderr.write(
      `${message}\n${g.verbose ? `${err?.stack ?? ''}\n` : 'run again with --verbose for the stack trace\n'}`,
    );
  return 1;
}

/** main(argv, io) -> exit code: the only place that decides it. */
export async function main(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const early = {
    verbose: argv.includes('--verbose') || argv.includes('-v'),
    format:
      argv.includes('--json') || argv.join(' ').includes('--format json') || argv.includes('--format=json')
        ? 'json'
        : 'text',
  };
  // The detached builder of the next spare (commands/manage/spares.ts), run by the program itself.
  if (argv[0] === SPARE_BUILDER_ARG) {
    const { createContext } = await import('./context.js');
    const ctx = createContext({
      homeFlag: undefined,
      env,
      io,
      talk: { info: () => {}, warn: () => {}, progress: () => {} },
    });
    return (await import('./commands/manage/spare-builder.js')).runSpareBuilder(ctx, argv[1]);
  }
  let invocation: Invocation;
  try {
    invocation = await trace.span('parse arguments', () =>
      parseArgv(argv, {
        env,
        homeInUse: () => resolveHome(flagValue(argv, '--home'), env, programDir()).dir,
      }),
    );
  } catch (e) {
    return reportError(io, e, early);
  }
  if (invocation.kind === 'print') {
    io.stdout.write(invocation.text.endsWith('\n') ? invocation.text : `${invocation.text}\n`);
    return 0;
  }
  const g = invocation.globals;
  const controller = new AbortController();
  const signals = watchSignals(controller, (m) => io.stderr.write(`${m}\n`));
  const run = async (): Promise<number> => {
    try {
      // The context (home, registry, port ledger) and the renderers load only for a command
      // that runs: help and --version never pay for them or the node modules they bring.
      const [{ createContext }, { render, streamOf }] = await Promise.all([
        import('./context.js'),
        import('./output/render.js'),
      ]);
      const ctx = createContext({ homeFlag: g.home, env, io, talk: makeTalk(io, g) });
      const handler = await trace.span(`load module of ${invocation.command}`, handlers[invocation.command]);
      const res = await trace.span(`command ${invocation.command}`, async () =>
        handler(ctx, invocation.options as never, controller.signal),
      );
      const stream = streamOf(res);
      if (stream) {
        for await (const line of stream) io.stdout.write(`${line}\n`);
      } else {
        io.stdout.write(render(res, { format: g.format, color: g.color && io.stdoutIsTTY }));
      }
      return res.exitCode;
    } catch (e) {
      return reportError(io, e, g);
    }
  };
  try {
    // A signal's exit code wins, whether the command ended on its own or its grace ran out.
    const code = await Promise.race([run(), signals.expired]);
    return signals.received() ?? code;
  } finally {
    signals.dispose();
  }
}

function flagValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${flag}=`));
  return eq?.slice(flag.length + 1);
}
