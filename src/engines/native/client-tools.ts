import { spawn } from 'node:child_process';
import { access, constants, readdir, realpath } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { ENV } from '../../core/defaults.js';
import { asAdmin, type Instance } from '../../core/instance.js';
import { parseToolVersion, toolSuits } from '../../core/pg-version.js';
import type { ClientIo, ClientProgram, ClientResult, ClientToolsCheck } from '../engine.js';
import { bundledBinDir } from './binaries.js';
import { withHostPassfile } from './host-passfile.js';
import { assertTrustedBinDir } from './trusted-bin-dir.js';

/**
 * The npm server package ships no client programs, so logical backups on the native engine
 * need a pg_dump (with pg_dumpall, pg_restore, psql beside it) of the server's major or
 * newer from somewhere else: --pg-bin, RESOURCE_POSTGRES_PG_BIN, PATH, or Debian's
 * /usr/lib/postgresql/<major>/bin. An older one refuses the server, so it is named, not used.
 */
const PROGRAMS: ClientProgram[] = ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql'];
const DEBIAN_ROOT = '/usr/lib/postgresql';

export interface ClientDir {
  dir: string;
  version: string;
  major: number;
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Directories to look in, most specific first, without duplicates. */
export async function candidateDirs(instance: Pick<Instance, 'pgBin'>, env: NodeJS.ProcessEnv): Promise<string[]> {
  const dirs = [instance.pgBin, env[ENV.pgBin], bundledBinDir(), ...(env.PATH ?? '').split(delimiter)];
  const debian = await readdir(DEBIAN_ROOT).catch(() => [] as string[]);
  dirs.push(
    ...debian
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => join(DEBIAN_ROOT, v, 'bin')),
  );
  // /bin -> /usr/bin and similar links would list the same programs twice.
  const real = await Promise.all(
    dirs.filter((d): d is string => Boolean(d)).map((d) => realpath(resolve(d)).catch(() => resolve(d))),
  );
  return [...new Set(real)];
}

/** The first directory holding all four client programs of a suitable version; else why not. */
export async function findClientDir(
  instance: Pick<Instance, 'pgBin'>,
  serverMajor: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClientToolsCheck & { dir?: string }> {
  // The directories named by the user run as root too: refuse ones someone else could change.
  if (instance.pgBin) await assertTrustedBinDir(instance.pgBin, PROGRAMS, 'pg_bin (--pg-bin)');
  if (env[ENV.pgBin]) await assertTrustedBinDir(env[ENV.pgBin]!, PROGRAMS, ENV.pgBin);
  const seen: string[] = [];
  for (const dir of await candidateDirs(instance, env)) {
    if (!(await executable(join(dir, 'pg_dump')))) continue;
    const res = await execa(join(dir, 'pg_dump'), ['--version'], { reject: false, timeout: 10_000 });
    const parsed = res.exitCode === 0 ? parseToolVersion(String(res.stdout)) : undefined;
    if (!parsed) continue;
    const complete = (await Promise.all(PROGRAMS.map((p) => executable(join(dir, p))))).every(Boolean);
    if (toolSuits(parsed.major, serverMajor) && complete)
      return { ok: true, version: parsed.version, major: parsed.major, where: dir, dir };
    seen.push(
      `${join(dir, 'pg_dump')} is ${parsed.version}${complete ? '' : ' (without all of pg_dumpall, pg_restore, psql)'}`,
    );
  }
  return {
    ok: false,
    reason: `no pg_dump ${serverMajor} or newer was found${seen.length ? ` (${seen.join('; ')}; pg_dump refuses a newer server)` : " (the native engine's PostgreSQL package ships server programs only)"}`,
    hint: `install PostgreSQL ${serverMajor}+ client programs and name their bin directory with --pg-bin, or use --method physical (needs no client programs)`,
  };
}

/** Runs a host client program against the instance over TCP; the password goes in a passfile (host-passfile.ts). */
export async function runHostClient(
  dir: string,
  instance: Instance,
  program: ClientProgram,
  args: string[],
  io: ClientIo,
): Promise<ClientResult> {
  return withHostPassfile(instance, (passfile) => runWithPassfile(dir, instance, program, args, io, passfile));
}

async function runWithPassfile(
  dir: string,
  instance: Instance,
  program: ClientProgram,
  args: string[],
  io: ClientIo,
  passfile: string,
): Promise<ClientResult> {
  const child = spawn(join(dir, program), args, {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PGHOST: instance.host === '0.0.0.0' || !instance.host ? '127.0.0.1' : instance.host,
      PGPORT: String(instance.port),
      PGUSER: asAdmin(instance).user,
      PGAPPNAME: 'resource-postgres',
      PGCONNECT_TIMEOUT: '10',
      // TLS: verified like every client of the instance (required TLS refuses plain TCP).
      ...(instance.tls && instance.tlsCa ? { PGSSLMODE: 'verify-full', PGSSLROOTCERT: instance.tlsCa } : {}),
      ...io.env,
      PGPASSFILE: passfile,
    },
    stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    signal: io.signal,
  });
  const [stdout, stderrStream] = [child.stdout!, child.stderr!];
  let stderr = '';
  stderrStream.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-16_384);
  });
  const chunks: Buffer[] = [];
  const exited = new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
  const feeding = io.stdin && child.stdin ? pipeline(io.stdin, child.stdin).catch(() => {}) : undefined;
  if (io.stdout) await pipeline(stdout, io.stdout as NodeJS.WritableStream, { end: false });
  else for await (const c of stdout) chunks.push(c as Buffer);
  await feeding;
  const exitCode = await exited;
  return { exitCode, stderr, stdout: io.stdout ? undefined : Buffer.concat(chunks).toString('utf8') };
}
