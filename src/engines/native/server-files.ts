import { chmod, chown, lchown, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../../core/errors.js';
import { type Instance, instancePaths } from '../../core/instance.js';
import { getTemplate } from '../../core/templates.js';
import { layoutOf, type NativeLayout, RELOCATION_ROOT, relocatedDataDir } from './layout.js';
import { renderHba, renderIdent, renderPostgresConf, SETTINGS_FILE, withIncludeLine } from './render.js';
import { canTraverse, type ServerUser } from './run-as.js';

/**
 * The server's files on disk and who owns them. As root, data, logs and the socket directory
 * belong to the server user (PostgreSQL insists on owning its data directory), while the
 * instance's config directory and instance.conf stay root's, 0700/0600.
 */

/**
 * Decides where a new instance's data goes (and records it in instance.dataDir when it is
 * not <home>/<name>/data). Only root needs a choice: the server user must reach the data.
 */
export async function planLayout(
  home: string,
  instance: Instance,
  user: ServerUser | undefined,
): Promise<NativeLayout> {
  if (!instance.dataDir && user && !(await canTraverse(user, home))) {
    instance.dataDir = relocatedDataDir(home, instance.name);
  }
  return layoutOf(home, instance);
}

/** After ensureDirs: proves the server user really reaches its directories (ACLs, odd mounts). */
export async function checkReachable(layout: NativeLayout, user: ServerUser | undefined): Promise<void> {
  const dirs = [layout.data, layout.logs, layout.socketDir];
  if (!user || (await canTraverse(user, ...dirs))) return;
  for (const dir of dirs) {
    if (await canTraverse(user, dir)) continue;
    throw new CliError('engine', `the server user ${user.name} cannot reach ${dir}`, {
      hint: `make every directory above it searchable for ${user.name} (chmod o+x), or choose another home with --home`,
    });
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Creates dir (0700) owned by the server user. An existing entry must be a real directory
 * of ours: the socket directory may sit in /tmp under a guessable name, and chown follows
 * symlinks, so a planted link or someone else's directory is refused, never adopted.
 */
async function ownedDir(dir: string, user: ServerUser | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const ours = [process.getuid?.() ?? st.uid, 0, user?.uid ?? 0];
  if (!st.isDirectory() || !ours.includes(st.uid)) {
    throw new CliError(
      'refused',
      `${dir} exists but is ${st.isDirectory() ? `owned by uid ${st.uid}` : 'not a directory'}; not using it for the server`,
      {
        hint: 'remove or rename it, then run the command again',
      },
    );
  }
  if (user) await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
}

/** Gives a whole tree to the server user (a data directory restored or created by someone else). */
async function chownTree(path: string, user: ServerUser): Promise<void> {
  await lchown(path, user.uid, user.gid);
  const st = await lstat(path);
  if (!st.isDirectory()) return; // a symlink (pg_wal elsewhere) is not followed
  for (const entry of await readdir(path)) await chownTree(join(path, entry), user);
}

/** Makes the data, log and socket directories exist, reachable and owned right; idempotent. */
export async function ensureDirs(
  home: string,
  instance: Instance,
  layout: NativeLayout,
  user: ServerUser | undefined,
): Promise<void> {
  const paths = instancePaths(home, instance.name);
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  if (layout.relocatedRoot) {
    const base = dirname(layout.relocatedRoot);
    for (const dir of [RELOCATION_ROOT, base]) {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      await chmod(dir, 0o755); // whatever root's umask: the server user must pass through
    }
    // Tells a human which home a <hash> directory belongs to.
    await writeFile(join(base, 'HOME'), `${home}\n`, { mode: 0o644 });
    await ownedDir(layout.relocatedRoot, user);
    // logs/ stays where the contract says, pointing at the real one.
    if (!(await exists(paths.logs))) await symlink(layout.logs, paths.logs);
  } else if (user && layout.data === paths.data) {
    // Search-only for others: the server user can pass through; listing and config/ stay closed.
    await chmod(paths.root, 0o711);
  }
  await ownedDir(layout.logs, user);
  await ownedDir(layout.socketDir, user);
  const dataExisted = await exists(layout.data);
  await ownedDir(layout.data, user);
  if (dataExisted && user && (await exists(join(layout.data, 'PG_VERSION')))) {
    const st = await lstat(join(layout.data, 'PG_VERSION'));
    if (st.uid !== user.uid) await chownTree(layout.data, user);
  }
}

/** Writes a file the server reads: 0600, owned by the server user. */
async function writeServerFile(path: string, text: string, user: ServerUser | undefined): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
  if (user) await chown(path, user.uid, user.gid);
}

/**
 * (Re)writes the configuration the server reads, from instance.conf and the template, and
 * a root-only copy of the settings in <home>/<name>/config/postgresql.conf for people to read.
 */
export async function writeServerConfig(
  home: string,
  instance: Instance,
  layout: NativeLayout,
  user: ServerUser | undefined,
): Promise<void> {
  const template = getTemplate(instance.template);
  const conf = renderPostgresConf({
    name: instance.name,
    port: instance.port,
    host: instance.host,
    templateName: template.name,
    settings: template.settings,
    socketDir: layout.socketDir,
  });
  const mainConf = join(layout.data, 'postgresql.conf');
  const current = await readFile(mainConf, 'utf8');
  const updated = withIncludeLine(current);
  if (updated !== current) await writeServerFile(mainConf, updated, user);
  await writeServerFile(join(layout.data, SETTINGS_FILE), conf, user);
  await writeServerFile(join(layout.data, 'pg_hba.conf'), renderHba(instance.host), user);
  const osUser = user?.name ?? userInfo().username;
  await writeServerFile(join(layout.data, 'pg_ident.conf'), renderIdent(osUser, instance.user), user);
  const config = instancePaths(home, instance.name).config;
  await mkdir(config, { recursive: true, mode: 0o700 });
  await writeFile(
    join(config, 'postgresql.conf'),
    `# The copy the server reads: ${join(layout.data, SETTINGS_FILE)}\n${conf}`,
    { mode: 0o600 },
  );
}
