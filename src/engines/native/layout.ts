import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RELOCATION_ROOT } from '../../core/defaults.js';
import { type Instance, instancePaths } from '../../core/instance.js';

/**
 * Where one native instance keeps its server files. Normally under <home>/<name>/ (data,
 * logs, run). When root runs the CLI and the server user cannot traverse the home (a home
 * under /root, or any 0700 home), the data directory moves under RELOCATION_ROOT and is
 * recorded as instance.dataDir; its logs and run directories are then its siblings.
 */
export interface NativeLayout {
  /** The instance's directory holding data, logs and run: root's, never the server user's. */
  root: string;
  /**
   * The configuration the server reads (postgresql.conf, pg_hba.conf, pg_ident.conf): root's,
   * readable by the server, outside the data directory the server can write.
   */
  confDir: string;
  data: string;
  logs: string;
  logFile: string;
  /** The unix socket directory (unix_socket_directories). */
  socketDir: string;
  /**
   * RELOCATION_ROOT/<hash>/<name>, holding data, logs and run, when relocated there: removed
   * as a whole by remove(). Undefined for data in the home or anywhere else.
   */
  relocatedRoot?: string;
}

/** The server's configuration directory, beside data (Debian keeps /etc/postgresql apart the same way). */
export const SERVER_CONF_DIR = 'server-conf';

/** A base every system user can traverse; root-owned, 0755. */
export { RELOCATION_ROOT };

/** Short, stable id of a path (homes are long; sockets and directory names are not). */
export function pathHash(path: string, length = 12): string {
  return createHash('sha256').update(resolve(path)).digest('hex').slice(0, length);
}

/** The relocated data directory of an instance: RELOCATION_ROOT/<hash of home>/<name>/data. */
export function relocatedDataDir(home: string, name: string, root: string = RELOCATION_ROOT): string {
  return join(root, pathHash(home), name, 'data');
}

// sun_path holds 108 bytes; PostgreSQL appends "/.s.PGSQL.<port>.lock" to the directory.
const MAX_SOCKET_PATH = 100;
const UNSAFE_SOCKET_DIR = /[\s,'"\\]/;

/**
 * The socket directory: <instance>/run, unless its socket path would be too long for
 * sun_path or could not be listed in unix_socket_directories; then a short private
 * directory under /tmp named by the home and instance.
 */
export function socketDirFor(runDir: string, home: string, name: string, port: number, tmp = '/tmp'): string {
  const socket = join(runDir, `.s.PGSQL.${port}.lock`);
  if (Buffer.byteLength(socket) <= MAX_SOCKET_PATH && !UNSAFE_SOCKET_DIR.test(runDir)) return runDir;
  return join(tmp, `resource-postgres-${pathHash(`${resolve(home)}\0${name}`, 16)}`);
}

/** The layout an instance has, from what instance.conf records (pure). */
export function layoutOf(home: string, instance: Pick<Instance, 'name' | 'port' | 'dataDir'>): NativeLayout {
  const paths = instancePaths(home, instance.name);
  const data = instance.dataDir ? resolve(instance.dataDir) : paths.data;
  const relocated = data !== paths.data;
  const root = relocated ? dirname(data) : paths.root;
  const logs = relocated ? join(root, 'logs') : paths.logs;
  return {
    root,
    confDir: join(root, SERVER_CONF_DIR),
    data,
    logs,
    logFile: join(logs, 'postgresql.log'),
    socketDir: socketDirFor(join(root, 'run'), home, instance.name, instance.port),
    relocatedRoot: relocated ? relocatedRootOf(root) : undefined,
  };
}

/** An upgraded instance runs from <its relocated root>/pg<major>/ (native-upgrade.ts): the whole root is still its. */
const UPGRADE_DIR = /^pg\d{1,2}$/;

function relocatedRootOf(root: string): string | undefined {
  if (dirname(dirname(root)) === RELOCATION_ROOT) return root;
  const upgraded = dirname(root);
  return UPGRADE_DIR.test(basename(root)) && dirname(dirname(upgraded)) === RELOCATION_ROOT ? upgraded : undefined;
}

/**
 * The layout an instance has on disk. A CLI killed during create may leave instance.conf
 * without the data_dir it chose (it is recorded after create): the relocated directory is
 * found by its fixed name then, so status, stop and uninstall still reach that server and
 * its data. Records what it finds on the instance.
 */
export async function findLayout(home: string, instance: Instance): Promise<NativeLayout> {
  if (!instance.dataDir) {
    const relocated = relocatedDataDir(home, instance.name);
    const has = (dir: string) =>
      access(dir).then(
        () => true,
        () => false,
      );
    if (!(await has(instancePaths(home, instance.name).data)) && (await has(relocated))) instance.dataDir = relocated;
  }
  return layoutOf(home, instance);
}
