import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Instance, instancePaths } from '../../../core/instance.js';
import { findLayout, pathHash, RELOCATION_ROOT } from '../layout.js';
import type { ServerUser } from '../run-as.js';
import { removeTree, settleDir, writeRootFile } from '../safe-fs.js';

/**
 * Where an instance's PgBouncer keeps its files, and who owns them. pooler/ is root's (the
 * pooler's user may only pass through it), so nothing the pooler's user controls decides
 * what root writes there: pgbouncer.ini is root's and group-readable by that user; the
 * auth_file is written by root under a fresh name, handed to that user (0600) and renamed
 * into place. Only pooler/run/ (pid file and log) is the pooler user's own, and root only
 * reads from it without following links.
 */
export interface PoolerPaths {
  /** The directory holding the instance's pooler/ (native: its layout root). */
  base: string;
  /** docker as root: base is RELOCATION_ROOT/<hash>/<name>, made for the pooler alone. */
  ownBase: boolean;
  dir: string;
  ini: string;
  authFile: string;
  runDir: string;
  pidFile: string;
  logFile: string;
}

const me = () => process.geteuid?.() ?? 0;

/**
 * Native: beside the server's data (its layout root, which its user can reach even when the
 * home is under /root). Docker as root: the same kind of place under RELOCATION_ROOT, since
 * the pooler's user cannot be assumed to reach the home. Docker otherwise: in the home.
 */
export async function poolerPaths(home: string, instance: Instance): Promise<PoolerPaths> {
  let base: string;
  let ownBase = false;
  if (instance.engine === 'native') base = (await findLayout(home, { ...instance })).root;
  else if (me() === 0) {
    base = join(RELOCATION_ROOT, pathHash(home), instance.name);
    ownBase = true;
  } else base = instancePaths(home, instance.name).root;
  const dir = join(base, 'pooler');
  const runDir = join(dir, 'run');
  return {
    base,
    ownBase,
    dir,
    ini: join(dir, 'pgbouncer.ini'),
    authFile: join(dir, 'userlist.txt'),
    runDir,
    pidFile: join(runDir, 'pgbouncer.pid'),
    logFile: join(runDir, 'pgbouncer.log'),
  };
}

/** Makes pooler/ (root's) and pooler/run/ (the pooler user's) exist with exactly these owners and modes. */
export async function ensurePoolerDirs(home: string, paths: PoolerPaths, user: ServerUser | undefined): Promise<void> {
  if (paths.ownBase) {
    const hashDir = dirname(paths.base);
    for (const dir of [RELOCATION_ROOT, hashDir]) {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      await chmod(dir, 0o755);
    }
    // Tells a human which home a <hash> directory belongs to (as the native engine does).
    await writeRootFile(join(hashDir, 'HOME'), `${home}\n`, 0o644);
    await settleDir(paths.base, { mode: 0o711, uid: me(), gid: 0, acceptOwners: [me()] });
  } else {
    await mkdir(paths.base, { recursive: true, mode: 0o700 });
  }
  await settleDir(paths.dir, { mode: user ? 0o710 : 0o700, uid: me(), gid: user?.gid, acceptOwners: [me()] });
  const runOwners = [0, me(), ...(user ? [user.uid] : [])];
  await settleDir(paths.runDir, { mode: 0o700, uid: user?.uid, gid: user?.gid, acceptOwners: runOwners });
}

/** pgbouncer.ini: root's, readable by the pooler's group. */
export async function writeIni(paths: PoolerPaths, text: string, user: ServerUser | undefined): Promise<void> {
  await writeRootFile(paths.ini, text, user ? 0o640 : 0o600, user?.gid);
}

/** The auth_file, 0600 and owned by the pooler's user (PgBouncer reads it as that user). */
export async function writeAuthFile(paths: PoolerPaths, text: string, user: ServerUser | undefined): Promise<void> {
  const tmp = join(paths.dir, `.${basename(paths.authFile)}.${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
    if (user) await fh.chown(user.uid, user.gid);
    await fh.chmod(0o600);
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, paths.authFile);
}

/** Removes pooler/ (its run/ may hold the pooler user's files: never followed) and a base made for it alone. */
export async function removePoolerFiles(paths: PoolerPaths): Promise<void> {
  await removeTree(paths.dir);
  if (!paths.ownBase) return;
  await rmdir(paths.base).catch(() => {});
  const hashDir = dirname(paths.base);
  const left = await readdir(hashDir).catch(() => ['?']);
  if (left.every((e) => e === 'HOME')) await rm(hashDir, { recursive: true, force: true });
}
