import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { Secret } from '../../core/secret.js';
import type { EngineSpareCapabilities, Progress } from '../engine.js';
import type { PgBinaries } from './binaries.js';
import { initCluster } from './initdb.js';
import { type NativeLayout, pathHash, RELOCATION_ROOT } from './layout.js';
import { takeOverTree } from './legacy-owner.js';
import { ensureInstanceUser, removeInstanceUser } from './os-users.js';
import { canTraverse, runAsServer, type ServerUser } from './run-as.js';
import { removeTree, settleDir, writeRootFile } from './safe-fs.js';
import { planLayout } from './server-files.js';

/**
 * Native spares: a cluster initdb'd ahead of time in <base>/.spare-data/<id>/data, where base
 * is the home, or the home's relocation directory when server users cannot traverse the home
 * (the same place, and so the same filesystem, as a new instance's data: taking a spare is a
 * rename). initdb cannot run as root and the future instance's user does not exist yet, so it
 * runs as a builder user made for the home (`rp-_spare`, marked like instance users) that
 * exists only while it builds; the finished cluster is then root's, in a 0700 root directory,
 * until a create takes it and gives it to the instance's own user (ensureDirs does, as for any
 * data directory whose owner is not the instance's).
 */

/** The pseudo instance name of the builder user (no instance name starts with "."). */
const BUILDER = '.spare';
const STORE = '.spare-data';
const ROOT_USER: ServerUser = { name: 'root', uid: 0, gid: 0, home: '/root' };
const me = () => process.geteuid?.() ?? 0;

/** The binaries an instance runs (the engine's cached lookup). */
type Locate = (instance: Instance) => Promise<PgBinaries>;

/** The instance's own user as the engine makes it (root only), recorded on the instance. */
async function serverUser(home: string, instance: Instance): Promise<ServerUser | undefined> {
  if (me() !== 0) return undefined;
  const user = await ensureInstanceUser(home, instance.name, instance.extra.server_user);
  instance.extra.server_user = user.name;
  return user;
}

/** Both places a home's spares can be (which one is used depends on who can traverse the home). */
function stores(home: string): string[] {
  return [join(home, STORE), join(RELOCATION_ROOT, pathHash(home), STORE)];
}

/** A spare's data directory, only ever one of ours: <store>/<12 hex>/data. */
function checkLocation(home: string, location: string): void {
  const spareDir = dirname(location);
  if (
    basename(location) === 'data' &&
    /^[0-9a-f]{12}$/.test(basename(spareDir)) &&
    stores(home).includes(dirname(spareDir))
  )
    return;
  throw new CliError('refused', `${location} is not a spare of this home`, {
    hint: 'the spare record was changed by hand; it is discarded',
  });
}

async function fileId(path: string): Promise<string> {
  const st = await stat(path);
  return `${st.ino}:${st.size}:${Math.round(st.mtimeMs)}`;
}

export function nativeSpares(home: string, locate: Locate): Required<EngineSpareCapabilities> {
  return {
    async spareIdentity(draft) {
      const bins = await locate(draft);
      return {
        major: bins.major,
        identity: {
          dir: bins.dir,
          version: bins.version,
          postgres: await fileId(bins.postgres),
          initdb: await fileId(bins.initdb),
        },
      };
    },

    async buildSpare(draft: Instance, id: string, password: Secret, progress: Progress) {
      const bins = await locate(draft);
      const root = me() === 0;
      const user = root ? await ensureInstanceUser(home, BUILDER) : undefined;
      try {
        const base = !user || (await canTraverse(user, home)) ? home : join(RELOCATION_ROOT, pathHash(home));
        if (base !== home) {
          for (const dir of [RELOCATION_ROOT, base])
            await settleDir(dir, { mode: 0o755, uid: me(), gid: 0, acceptOwners: [me()] });
          await writeRootFile(join(base, 'HOME'), `${home}\n`, 0o644);
        }
        const store = join(base, STORE);
        // Searchable while building (the builder user passes through), never listable.
        await settleDir(store, { mode: user ? 0o711 : 0o700, uid: me(), gid: 0, acceptOwners: [me()] });
        const dir = join(store, id);
        await settleDir(dir, { mode: user ? 0o711 : 0o700, uid: me(), gid: 0, acceptOwners: [me()] });
        const data = join(dir, 'data');
        try {
          await settleDir(data, { mode: 0o700, uid: user?.uid, gid: user?.gid, acceptOwners: [] });
          progress(`initialising spare ${id} with PostgreSQL ${bins.version}`);
          const layout = { data, confDir: dir } as NativeLayout;
          await initCluster(bins, layout, { ...draft, ...withPassword(draft, password) }, user);
          await createDatabaseSingle(bins, data, draft.database, user);
          // Root's until taken: nothing the builder user (about to go) could still change.
          if (user) await takeOverTree(data, ROOT_USER);
          await settleDir(dir, { mode: 0o700, uid: me(), gid: 0, acceptOwners: [me()] });
          return data;
        } catch (e) {
          await removeTree(dir).catch(() => {});
          throw e;
        }
      } finally {
        if (user) await removeInstanceUser(home, BUILDER).catch(() => {});
      }
    },

    async placeSpare(instance, location) {
      checkLocation(home, location);
      const user = await serverUser(home, instance);
      const layout = await planLayout(home, instance, user);
      if (await lstat(layout.data).catch(() => undefined))
        throw new CliError('conflict', `${layout.data} exists already; a spare only ever becomes a new data directory`);
      await mkdir(dirname(layout.data), { recursive: true, mode: 0o700 });
      // The same filesystem (same base): a rename, whatever the cluster's size.
      await rename(location, layout.data);
      await rm(dirname(location), { recursive: true, force: true }); // now empty
    },

    async discardSpare(location) {
      checkLocation(home, location);
      await removeTree(dirname(location));
      await tidy(home);
    },

    async spareLeftovers() {
      // A builder killed mid-build leaves its user: nothing runs as it now (the caller stopped the builder).
      if (me() === 0) await removeInstanceUser(home, BUILDER);
      const found: string[] = [];
      for (const store of stores(home))
        for (const id of await readdir(store).catch(() => [] as string[]))
          if (/^[0-9a-f]{12}$/.test(id)) found.push(join(store, id, 'data'));
      return found;
    },
  };
}

/**
 * The instance's database, made ahead too (a create then finds it: CREATE DATABASE was the
 * largest part of a create from a spare). Single-user mode: no server, no port, no password;
 * it owns what the superuser would own after a normal create (app roles take theirs later).
 */
async function createDatabaseSingle(bins: PgBinaries, data: string, database: string, user: ServerUser | undefined) {
  if (database === 'postgres') return;
  const sql = `CREATE DATABASE "${database.replace(/"/g, '""')}";\n`;
  const res = await runAsServer(user, bins.postgres, ['--single', '-D', data, 'postgres'], 120_000, { input: sql });
  if (res.exitCode !== 0 || /\b(ERROR|FATAL|PANIC):/.test(res.output))
    throw new CliError('failed', `could not create database ${database} in a spare`, { details: res.output.trim() });
}

/** The password a spare's superuser gets, on the draft's admin or on the draft itself. */
function withPassword(draft: Instance, password: Secret): Partial<Instance> {
  return draft.admin ? { admin: { ...draft.admin, password } } : { password };
}

/** Empty stores go, and a relocation base that only held them (as an instance's removal does). */
async function tidy(home: string): Promise<void> {
  for (const store of stores(home)) {
    const left = await readdir(store).catch(() => ['?']);
    if (left.length === 0) await rm(store, { recursive: true, force: true });
  }
  const base = join(RELOCATION_ROOT, pathHash(home));
  const left = await readdir(base).catch(() => ['?']);
  if (left.every((e) => e === 'HOME')) await rm(base, { recursive: true, force: true });
}
