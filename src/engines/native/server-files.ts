import { chmod, lstat, mkdir, rm, symlink } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../../core/errors.js';
import { asAdmin, type Instance, instancePaths } from '../../core/instance.js';
import { getTemplate } from '../../core/templates.js';
import { readServerTls } from '../../core/tls/store.js';
import { baseSettings } from './base-settings.js';
import { layoutOf, type NativeLayout, RELOCATION_ROOT, relocatedDataDir } from './layout.js';
import { takeOverTree } from './legacy-owner.js';
import { BASE_FILE, renderHba, renderIdent, renderPostgresConf } from './render.js';
import { STANDBY_FILE } from './replica-files.js';
import { canTraverse, type ServerUser } from './run-as.js';
import { openRegularNoFollow, readSmallNoFollow, settleDir, writeRootFile } from './safe-fs.js';

/**
 * The server's files on disk and who owns them. As root: the instance's directory (data,
 * logs and run inside it) and server-conf/ are root's, so the server user can change nothing
 * but what is inside its own data, logs and run directories; those three are its own, 0700.
 * Root writes only into directories it alone can write, and changes owner and mode of the
 * server's directories through descriptors opened without following links (safe-fs.ts).
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
  const dirs = [layout.data, layout.logs, layout.socketDir, layout.confDir];
  if (!user || (await canTraverse(user, ...dirs))) return;
  for (const dir of dirs) {
    if (await canTraverse(user, dir)) continue;
    throw new CliError('engine', `the server user ${user.name} cannot reach ${dir}`, {
      hint: `make every directory above it searchable for ${user.name} (chmod o+x), or choose another home with --home`,
    });
  }
}

const me = () => process.geteuid?.() ?? 0;

/** Makes the instance's directories exist, reachable and owned right; idempotent; migrates older layouts. */
export async function ensureDirs(
  home: string,
  instance: Instance,
  layout: NativeLayout,
  user: ServerUser | undefined,
  legacyUids: number[] = [],
): Promise<void> {
  const paths = instancePaths(home, instance.name);
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  // Search-only for others: the server user passes through; listing and config/ stay closed.
  const rootMode = user ? 0o711 : 0o700;
  if (layout.relocatedRoot) {
    const base = dirname(layout.relocatedRoot);
    for (const dir of [RELOCATION_ROOT, base]) {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      await chmod(dir, 0o755); // whatever root's umask: the server user must pass through
    }
    // Tells a human which home a <hash> directory belongs to.
    await writeRootFile(join(base, 'HOME'), `${home}\n`, 0o644);
    // Older versions gave this directory to the server user: it is taken back (it holds server-conf/).
    await settleDir(layout.relocatedRoot, { mode: rootMode, uid: me(), gid: 0, acceptOwners: 'any' });
    // logs/ stays where the contract says, pointing at the real one.
    if (!(await lstat(paths.logs).catch(() => undefined))) await symlink(layout.logs, paths.logs);
  } else if (user && layout.data === paths.data) {
    await chmod(paths.root, rootMode);
  }
  // A major upgrade's cluster lives in <instance dir>/pg<major>/ (native-upgrade.ts): root's, like the instance's dir.
  if (![paths.root, layout.relocatedRoot].includes(layout.root) && /^pg\d{1,2}$/.test(basename(layout.root)))
    await settleDir(layout.root, { mode: rootMode, uid: me(), gid: 0, acceptOwners: [me()] });
  await settleDir(layout.confDir, { mode: user ? 0o750 : 0o700, uid: me(), gid: user?.gid, acceptOwners: [me()] });
  const socketOwners = [0, me(), ...(user ? [user.uid] : []), ...legacyUids];
  for (const [dir, owners] of [
    [layout.logs, 'any'],
    [layout.socketDir, socketOwners],
    [layout.data, 'any'],
  ] as const) {
    // Under the instance's directory only root could have made them; in /tmp, anyone could.
    const { previousUid } = await settleDir(dir, { mode: 0o700, uid: user?.uid, gid: user?.gid, acceptOwners: owners });
    if (user && dir !== layout.socketDir && (previousUid ?? user.uid) !== user.uid) await takeOverTree(dir, user);
  }
  // A take-over cut short: the data may still hold files of the old owner.
  const pgVersion = user ? await openRegularNoFollow(join(layout.data, 'PG_VERSION')) : undefined;
  if (pgVersion) {
    await pgVersion.fh.close();
    if (pgVersion.st.uid !== user!.uid) await takeOverTree(layout.data, user!);
  }
}

/**
 * (Re)writes the configuration the server reads, in server-conf/, from instance.conf and the
 * template; base.conf is made once from the data directory's postgresql.conf. Also a root-only
 * copy of the settings in <home>/<name>/config/postgresql.conf for people to read.
 */
export async function writeServerConfig(
  home: string,
  instance: Instance,
  layout: NativeLayout,
  user: ServerUser | undefined,
): Promise<void> {
  const template = getTemplate(instance.template);
  const mode = user ? 0o640 : 0o600;
  const write = (name: string, text: string) => writeRootFile(join(layout.confDir, name), text, mode, user?.gid);
  // TLS: the key is root's, 0640 to the server's own group (PostgreSQL accepts a root-owned key
  // with group read), in server-conf/ where the server can read it and change nothing.
  const tls = instance.tls
    ? { certFile: join(layout.confDir, 'server.crt'), keyFile: join(layout.confDir, 'server.key') }
    : undefined;
  if (tls) {
    const pair = await readServerTls(home, instance.name);
    await write('server.crt', pair.certPem);
    await write('server.key', pair.keyPem);
  } else {
    // TLS turned off: no key stays behind (server-conf/ is root's: removing by path is safe).
    for (const f of ['server.crt', 'server.key']) await rm(join(layout.confDir, f), { force: true });
  }
  const conf = renderPostgresConf({
    name: instance.name,
    port: instance.port,
    host: instance.host,
    templateName: template.name,
    settings: template.settings,
    socketDir: layout.socketDir,
    dataDir: layout.data,
    confDir: layout.confDir,
    extensions: instance.extensions,
    tls,
    standbyFile: instance.replicaOf ? join(layout.confDir, STANDBY_FILE) : undefined,
  });
  const base = join(layout.confDir, BASE_FILE);
  if (!(await lstat(base).catch(() => undefined))) {
    // Read without following links: the data directory is the server user's.
    const original = (await readSmallNoFollow(join(layout.data, 'postgresql.conf'), 1 << 20)) ?? '';
    await write(BASE_FILE, baseSettings(original, layout.data));
  }
  await write('pg_hba.conf', renderHba(instance.host, instance.tls === 'required'));
  await write('pg_ident.conf', renderIdent(user?.name ?? userInfo().username, asAdmin(instance).user));
  await write('postgresql.conf', conf);
  const config = instancePaths(home, instance.name).config;
  await mkdir(config, { recursive: true, mode: 0o700 });
  await writeRootFile(
    join(config, 'postgresql.conf'),
    `# The copy the server reads: ${join(layout.confDir, 'postgresql.conf')}\n${conf}`,
    0o600,
  );
}
