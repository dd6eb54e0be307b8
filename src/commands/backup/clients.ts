import { createReadStream } from 'node:fs';
import type { Context } from '../../context.js';
import type { ManifestFile } from './manifest.js';
import { CliError } from '../../core/errors.js';
import { openSink } from '../../system/file-sink.js';
import type { Instance } from '../../core/instance.js';
import type { ClientProgram, ClientResult, ClientRunner, Engine } from '../../engines/engine.js';
import { Transform } from 'node:stream';
import { withByteProgress } from './progress.js';

/** Client programs for the logical method, or a clear error that says what to do instead. */
export async function requireTools(
  engine: ClientRunner,
  instance: Instance,
  major: number,
  what: string,
): Promise<{ label: string; major: number }> {
  if (!engine.clientTools || !engine.runClient) {
    throw new CliError(
      'engine',
      `${what} needs PostgreSQL client programs, which the ${engine.name} engine cannot run`,
      { hint: 'use --method physical' },
    );
  }
  const check = await engine.clientTools(instance, major);
  if (!check.ok) {
    const physical = engine.name === 'native' ? '; or take a physical backup with --method physical' : '';
    throw new CliError('engine', `${what} needs pg_dump/pg_restore ${major} or newer: ${check.reason}`, {
      hint: `${check.hint}${physical}`,
    });
  }
  return { label: `${check.version} (${check.where})`, major: check.major };
}

function failure(program: string, exitCode: number, stderr: string, what: string): CliError {
  const said = stderr.trim().split('\n').slice(-8).join('\n');
  return new CliError('failed', `${program} failed while ${what} (exit ${exitCode})`, {
    details: said || undefined,
    hint: 'see the message above; nothing was replaced',
  });
}

/** Runs a client program with its standard output written (hashed, counted) into `path`. */
export async function runToFile(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  program: ClientProgram,
  args: string[],
  path: string,
  rel: string,
  opts: { env?: Record<string, string>; signal?: AbortSignal; what: string },
): Promise<ManifestFile> {
  const sink = openSink(path);
  const res = await withByteProgress(ctx, opts.what, sink.bytes, () =>
    engine.runClient!(instance, program, args, { stdout: sink.stream, env: opts.env, signal: opts.signal }),
  ).catch(async (e: unknown) => {
    await sink.close().catch(() => {});
    throw e;
  });
  const info = await sink.close();
  if (res.exitCode !== 0) throw failure(program, res.exitCode, res.stderr, opts.what);
  return { path: rel, ...info };
}

/** Runs a client program reading `path` on standard input; returns its stderr for the caller to sift. */
export async function runFromFile(
  engine: Engine,
  instance: Instance,
  program: ClientProgram,
  args: string[],
  path: string,
  opts: { env?: Record<string, string>; signal?: AbortSignal; what: string; tolerate?: boolean },
): Promise<string> {
  const res = await engine.runClient!(instance, program, args, {
    stdin: createReadStream(path),
    env: opts.env,
    signal: opts.signal,
  });
  if (res.exitCode !== 0 && !opts.tolerate) throw failure(program, res.exitCode, res.stderr, opts.what);
  return res.stderr;
}

/** Settings a newer pg_restore sets that an older server does not know: [since major, name]. */
const NEWER_SETTINGS: Array<[number, string]> = [[17, 'transaction_timeout']];

/** The session settings of newer client programs a server of `serverMajor` would reject. */
export function settingsUnknownTo(serverMajor: number): string[] {
  return NEWER_SETTINGS.filter(([since]) => serverMajor < since).map(([, setting]) => setting);
}

/**
 * A newer pg_restore talking straight to an older server still sends its own version's
 * session settings (17's "SET transaction_timeout = 0" breaks a 16 server). Then the archive
 * goes through pg_restore as a script and into psql, with those header settings dropped:
 * only SET lines before the first statement are looked at, never data.
 */
export function dropNewerSettings(unknown: readonly string[]): Transform {
  let header = true;
  let partial = '';
  const keep = (line: string) => {
    if (!header) return true;
    if (
      line === '' ||
      line.startsWith('--') ||
      line.startsWith('SET ') ||
      line.startsWith('SELECT pg_catalog.set_config') ||
      line.startsWith('\\')
    ) {
      return !unknown.some((name) => line.startsWith(`SET ${name} `));
    }
    header = false;
    return true;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!header) return done(null, chunk);
      // latin1 maps bytes 1:1, so whatever the database encoding, nothing is altered.
      const text = partial + chunk.toString('latin1');
      const lines = text.split('\n');
      partial = lines.pop()!;
      const out = lines
        .filter(keep)
        .map((l) => `${l}\n`)
        .join('');
      if (!header) {
        done(null, Buffer.from(out + partial, 'latin1'));
        partial = '';
      } else done(null, Buffer.from(out, 'latin1'));
    },
    flush(done) {
      done(null, partial && keep(partial) ? Buffer.from(partial, 'latin1') : undefined);
    },
  });
}

/**
 * A custom-format archive from `input` into `database`: pg_restore straight in, or, when the
 * client programs know settings the server lacks (`unknown`), pg_restore to a script that
 * psql runs without them (as backup restores do).
 */
export async function restoreArchive(
  engine: Engine,
  target: Instance,
  database: string,
  input: NodeJS.ReadableStream,
  unknown: string[],
  signal?: AbortSignal,
): Promise<ClientResult> {
  if (unknown.length === 0)
    return engine.runClient!(target, 'pg_restore', ['--exit-on-error', '--no-password', `--dbname=${database}`], {
      stdin: input,
      env: { PGDATABASE: database },
      signal,
    });
  const script = dropNewerSettings(unknown);
  const psql = engine.runClient!(target, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--no-password'], {
    stdin: script,
    env: { PGDATABASE: database },
    signal,
  });
  const toScript = engine.runClient!(target, 'pg_restore', ['--file=-'], {
    stdin: input,
    stdout: script,
    signal,
  }).finally(() => script.end());
  const [a, b] = await Promise.all([toScript, psql]);
  return a.exitCode !== 0 ? a : b;
}
