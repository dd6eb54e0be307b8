import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_IMAGE } from './cli.js';

/**
 * A --pg-bin directory of tiny fixture executables that run the PostgreSQL 17 client programs
 * of the offline test image on the host network: this machine's own pg_dump is 15, which
 * refuses a 16 server. The program hands the client its password as a passfile (PGPASSFILE),
 * so the file is mounted read-only at the same path; the client there runs as root, like us.
 */
export async function makePg17ClientBin(): Promise<string> {
  const bin = await mkdtemp(join(tmpdir(), 'rp-pg17-bin-'));
  const env = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSFILE', 'PGDATABASE', 'PGAPPNAME', 'PGCONNECT_TIMEOUT']
    .map((v) => `-e ${v}`)
    .join(' ');
  for (const program of ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql']) {
    await writeFile(
      join(bin, program),
      `#!/bin/sh\nexec docker run --rm -i --network host ${env} \${PGPASSFILE:+-v "$PGPASSFILE:$PGPASSFILE:ro"} --entrypoint ${program} ${TEST_IMAGE} "$@"\n`,
    );
    await chmod(join(bin, program), 0o755);
  }
  return bin;
}
