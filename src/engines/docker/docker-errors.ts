import { CliError, describeError } from '../../core/errors.js';

/** Where dockerode talks to, for messages: DOCKER_HOST if set, else the unix socket. */
export function daemonAddress(modem: object): string {
  const m = modem as { socketPath?: unknown; host?: string; port?: string | number; protocol?: string };
  if (process.env.DOCKER_HOST) return process.env.DOCKER_HOST;
  if (m.host) return `${m.protocol ?? 'http'}://${m.host}${m.port ? `:${m.port}` : ''}`;
  // docker-modem resolves the default socket lazily (a function), so name the usual one.
  return `unix://${typeof m.socketPath === 'string' ? m.socketPath : '/var/run/docker.sock'}`;
}

/** dockerode's HTTP status on an API error (304, 404, 409, 500...), undefined for transport errors. */
export function statusOf(e: unknown): number | undefined {
  const code = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The daemon's own message ("driver failed programming external connectivity ..."). */
export function daemonMessage(e: unknown): string {
  const json = (e as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  if (Buffer.isBuffer(json)) return json.toString('utf8').trim();
  return describeError(e);
}

/**
 * The one place that reads message text: Docker reports a host port held by another process
 * or container as a 500 whose only distinguishing mark is the wording.
 */
export function isPortConflict(e: unknown): boolean {
  if (statusOf(e) !== 500) return false;
  return /port is already allocated|address already in use/i.test(daemonMessage(e));
}

const TRANSPORT_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EACCES',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

function isTransportError(e: unknown): boolean {
  const err = e as { code?: string; name?: string } | null;
  return (
    statusOf(e) === undefined &&
    (TRANSPORT_CODES.has(err?.code ?? '') || err?.name === 'AbortError' || err?.name === 'TimeoutError')
  );
}

export const NO_DAEMON_HINT = 'start Docker (e.g. dockerd), set DOCKER_HOST, or use --engine native';

export function noDaemonMessage(address: string, e: unknown): string {
  return `no Docker daemon answers at ${address}: ${describeError(e)}`;
}

/**
 * Anything dockerode threw that the caller did not handle, as a CliError: no daemon, no
 * permission on the socket, or the daemon's refusal of `what` with its own message.
 */
export function toEngineError(e: unknown, what: string, address: string): CliError {
  if (e instanceof CliError) return e;
  if ((e as { code?: string }).code === 'EACCES') {
    return new CliError('engine', `permission denied on the Docker socket ${address}`, {
      hint: 'run as a user in the docker group, or set DOCKER_HOST',
      cause: e,
    });
  }
  if (isTransportError(e))
    return new CliError('engine', noDaemonMessage(address, e), { hint: NO_DAEMON_HINT, cause: e });
  const status = statusOf(e);
  return new CliError('engine', `docker could not ${what}: ${daemonMessage(e)}${status ? ` (HTTP ${status})` : ''}`, {
    hint: 'see `docker info` and the daemon log; retry once the daemon is healthy',
    cause: e,
  });
}
