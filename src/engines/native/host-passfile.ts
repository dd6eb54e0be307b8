import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asAdmin, type Instance } from '../../core/instance.js';
import { passfileLine } from '../../core/passfile.js';

/**
 * The password of a host client program (pg_dump, pg_restore, psql for native backups), as a
 * libpq password file instead of PGPASSWORD. Host client programs run as we do (runHostClient
 * spawns them without a uid switch, unlike the server programs of run-as.ts), so the file is
 * ours, 0600, in a fresh 0700 directory of ours: readable by exactly the user the client runs
 * as and nobody else (root aside). mkdtemp creates the directory exclusively under a random
 * name, so a shared TMPDIR cannot hand us a planted one. The directory goes when the run ends,
 * failed or not; only a SIGKILL can leave it behind, still 0700.
 */
export async function withHostPassfile<T>(instance: Instance, run: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'rp-pgpass-'));
  try {
    const path = join(dir, 'pgpass');
    await writeFile(path, passfileLine(asAdmin(instance).user, asAdmin(instance).password.reveal()), {
      mode: 0o600,
      flag: 'wx',
    });
    return await run(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
