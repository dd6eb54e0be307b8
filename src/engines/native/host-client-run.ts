import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { asAdmin, type Instance } from '../../core/instance.js';
import type { ClientIo, ClientProgram, ClientResult } from '../engine.js';
import { withHostPassfile } from './host-passfile.js';

/**
 * libpq's environment for a client program connecting to the instance over TCP as its
 * superuser. The password is never in it: PGPASSFILE names a password file (host-passfile.ts).
 */
export function hostClientEnv(instance: Instance, passfile: string, extra: Record<string, string> = {}) {
  return {
    PGHOST: instance.host === '0.0.0.0' || !instance.host ? '127.0.0.1' : instance.host,
    PGPORT: String(instance.port),
    PGUSER: asAdmin(instance).user,
    PGAPPNAME: 'resource-postgres',
    PGCONNECT_TIMEOUT: '10',
    // TLS: verified like every client of the instance (required TLS refuses plain TCP).
    ...(instance.tls && instance.tlsCa ? { PGSSLMODE: 'verify-full', PGSSLROOTCERT: instance.tlsCa } : {}),
    ...extra,
    PGPASSFILE: passfile,
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
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...hostClientEnv(instance, passfile, io.env) },
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
