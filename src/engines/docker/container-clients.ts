import type Dockerode from 'dockerode';
import { asAdmin, type Instance } from '../../core/instance.js';
import { parseToolVersion, toolSuits } from '../../core/pg-version.js';
import type { ClientIo, ClientProgram, ClientResult, ClientToolsCheck } from '../engine.js';
import { execInContainer } from './container-exec.js';
import { withContainerPassfile } from './container-passfile.js';

/**
 * PostgreSQL client programs run inside the instance's own container: the image ships the
 * client that matches its server, so no client is needed on the host. The connection goes
 * over TCP to 127.0.0.1:5432 inside the container with the instance's credentials; the
 * password travels in a password file copied in for the run (container-passfile.ts), never in
 * the environment or on argv.
 */
export function clientEnv(instance: Instance, passfile: string, extra: Record<string, string> = {}): string[] {
  const env: Record<string, string> = {
    PGHOST: '127.0.0.1',
    PGPORT: '5432',
    PGUSER: asAdmin(instance).user,
    PGAPPNAME: 'resource-postgres',
    PGCONNECT_TIMEOUT: '10',
    ...extra,
    PGPASSFILE: passfile,
  };
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/**
 * One exec (each costs a round trip to the daemon): pg_dump's version decides; pg_dumpall,
 * pg_restore and psql come from the same client installation in every image that has it,
 * and a missing one fails with its own clear message when run.
 */
export async function containerClientTools(
  container: Dockerode.Container,
  serverMajor: number,
): Promise<ClientToolsCheck> {
  const res = await execInContainer(container, { cmd: ['pg_dump', '--version'] }).catch((e: Error) => ({
    exitCode: -1,
    stderr: e.message,
    stdout: '',
  }));
  const found = res.exitCode === 0 ? parseToolVersion(res.stdout ?? '') : undefined;
  if (!found) {
    return {
      ok: false,
      reason: `the container has no working pg_dump (${(res.stderr || res.stdout || '').trim().split('\n')[0] || `exit ${res.exitCode}`})`,
      hint: 'use an image that ships the PostgreSQL client programs (the official postgres images do)',
    };
  }
  if (!toolSuits(found.major, serverMajor)) {
    return {
      ok: false,
      reason: `the container's pg_dump is ${found.version}, older than its server (${serverMajor})`,
      hint: 'use an image whose client programs match its server',
    };
  }
  return { ok: true, version: found.version, major: found.major, where: 'inside the container' };
}

export async function runContainerClient(
  container: Dockerode.Container,
  instance: Instance,
  program: ClientProgram,
  args: string[],
  io: ClientIo,
): Promise<ClientResult> {
  return withContainerPassfile(container, instance, (passfile) =>
    execInContainer(container, {
      cmd: [program, ...args],
      env: clientEnv(instance, passfile, io.env),
      stdin: io.stdin,
      stdout: io.stdout,
      signal: io.signal,
    }),
  );
}
