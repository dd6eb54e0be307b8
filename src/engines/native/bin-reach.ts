import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError } from '../../core/errors.js';

/**
 * As root, servers run as their instances' own users, and so do the binaries: a runtime or
 * pg_bin below a directory only root may search (/root/...) would fail at start with a bare
 * "permission denied". Checked before an instance is recorded, by mode bits (the server user
 * does not exist yet); the later per-user checks catch ACLs and odd mounts.
 */
export async function assertSearchableByOthers(binDir: string): Promise<void> {
  for (let dir = resolve(binDir); ; dir = dirname(dir)) {
    const st = await stat(dir).catch(() => undefined);
    if (st && (st.mode & 0o001) === 0)
      throw new CliError(
        'engine',
        `the instances' server users cannot reach the PostgreSQL binaries in ${binDir}: ${dir} is not searchable by others`,
        {
          hint: `chmod o+x ${dir}, or keep the binaries elsewhere (RESOURCE_POSTGRES_RUNTIMES, --pg-bin)`,
        },
      );
    if (dirname(dir) === dir) return;
  }
}
