import { DEFAULTS } from '../core/defaults.js';
import { describeError } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { withClient } from './client.js';

export interface ProbeResult {
  ok: boolean;
  /** What passed or failed, e.g. "SELECT 1 as vrooli@vrooli ok" or the failure. */
  message: string;
  /** server_version, when the query ran. */
  version?: string;
  /** The server said it is starting up or shutting down: not ready yet rather than broken. */
  transient?: boolean;
  /** The failure's SQLSTATE or socket error code (28P01, 53300, ECONNREFUSED), when there is one. */
  code?: string;
}

const TRANSIENT_CODES = new Set(['57P03', '57P01', 'ECONNREFUSED', 'ECONNRESET']);

/**
 * The health probe: a TCP connection to the instance's port and an authenticated SELECT 1
 * with its user, password and database, both under a timeout. A socket-only check is not
 * enough: the docker image's first-boot temporary server answers on the socket only.
 */
export async function probe(instance: Instance, timeoutMs: number = DEFAULTS.probeTimeoutMs): Promise<ProbeResult> {
  try {
    const version = await withClient(instance, { timeoutMs }, async (client) => {
      const res = await client.query<{ ok: number; version: string }>(
        "SELECT 1 AS ok, current_setting('server_version') AS version",
      );
      if (res.rows[0]?.ok !== 1) throw new Error('SELECT 1 returned no row');
      return res.rows[0].version;
    });
    return { ok: true, message: `authenticated SELECT 1 on 127.0.0.1:${instance.port} ok`, version };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return {
      ok: false,
      message: `${instance.host}:${instance.port}: ${describeError(e)}`,
      transient: code !== undefined && TRANSIENT_CODES.has(code),
      ...(code === undefined ? {} : { code }),
    };
  }
}
