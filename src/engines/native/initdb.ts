import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../../core/errors.js';
import { asAdmin, type Instance } from '../../core/instance.js';
import { initdbArgs, showCommand } from './argv.js';
import type { PgBinaries } from './binaries.js';
import type { NativeLayout } from './layout.js';
import { runAsServer, type ServerUser } from './run-as.js';
import { readSmallNoFollow, writeRootFile } from './safe-fs.js';

/** The major version a data directory was initialised with (PG_VERSION), or undefined. */
export async function dataMajor(dataDir: string): Promise<string | undefined> {
  // Read without following links: the data directory is the server user's.
  const text = await readSmallNoFollow(join(dataDir, 'PG_VERSION'), 64);
  return text === undefined || !/^\d+(\.\d+)?\s*$/.test(text) ? undefined : text.trim();
}

/** A data directory only ever runs under binaries of its own major; nothing is converted. */
export function checkMajor(dataDir: string, major: string, bins: PgBinaries): void {
  if (major === bins.major) return;
  throw new CliError(
    'engine',
    `the data directory ${dataDir} was created by PostgreSQL ${major}, but the binaries in ${bins.dir} are PostgreSQL ${bins.major}`,
    {
      hint: `use PostgreSQL ${major} binaries with --pg-bin or RESOURCE_POSTGRES_PG_BIN (e.g. /usr/lib/postgresql/${major}/bin), or dump and restore into a new instance; the data was left untouched`,
    },
  );
}

const LOCALE_MISSING = /invalid locale name|locale .* (is )?not (supported|available)|could not (set|find) .*locale/i;
const INITDB_TIMEOUT_MS = 180_000;

/**
 * initdb into the (empty) data directory as the server user. The password reaches initdb
 * through a file in server-conf/ (root's directory; the file 0640 to the server's group, so
 * initdb can read it and nobody can swap it), removed whatever happens. C.UTF-8 is asked
 * for first; a machine without that locale gets the plain C locale instead.
 */
export async function initCluster(
  bins: PgBinaries,
  layout: NativeLayout,
  instance: Instance,
  user: ServerUser | undefined,
): Promise<void> {
  const leftovers = await readdir(layout.data).catch(() => []);
  if (leftovers.length > 0) {
    throw new CliError(
      'failed',
      `${layout.data} is not empty but holds no initialised cluster (no PG_VERSION); refusing to initialise over it`,
      {
        hint: `move its contents away (or remove it if it is a failed earlier attempt), then run manage start again`,
      },
    );
  }
  const pwFile = join(layout.confDir, `.initdb-pw-${randomBytes(6).toString('hex')}`);
  try {
    await writeRootFile(pwFile, `${asAdmin(instance).password.reveal()}\n`, user ? 0o640 : 0o600, user?.gid);
    let locale: string | undefined = 'C.UTF-8';
    for (;;) {
      const args = initdbArgs({
        dataDir: layout.data,
        user: asAdmin(instance).user,
        pwFile,
        locale,
        major: bins.major,
      });
      const res = await runAsServer(user, bins.initdb, args, INITDB_TIMEOUT_MS);
      if (res.exitCode === 0) return;
      if (locale && LOCALE_MISSING.test(res.output)) {
        locale = undefined; // initdb cleaned the directory it failed in; try plain C
        continue;
      }
      throw new CliError(
        res.timedOut ? 'timeout' : 'failed',
        `initdb failed for instance ${instance.name} (exit ${res.exitCode ?? 'none'})`,
        {
          details: `command: ${showCommand(bins.initdb, args)}\n${res.output.trim().split('\n').slice(-20).join('\n')}`,
          hint: 'check free disk space and that the server user can write the data directory',
        },
      );
    }
  } finally {
    await rm(pwFile, { force: true });
  }
}
