import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { asDataCredentials, type DataCredentials } from '../../core/data-credentials.js';
import type { EngineName } from '../../core/instance.js';
import { checkPrivateDir } from '../../system/private-dir.js';

/**
 * Instance-level snapshots: a backup-consistent copy of the whole data directory (the files a
 * physical backup holds: base.tar, wal.tar, backup_label), kept in <home>/<instance>/snapshots/
 * <name>/, a root-only (0700) directory beside instance.conf. Being inside the instance's
 * directory they go with it: `manage uninstall` removes them (--keep-data keeps them).
 * A snapshot being written is a hidden .partial-* directory, renamed when complete, so a
 * killed create never leaves something list or restore would take for a snapshot.
 */
export interface InstanceSnapshotMeta {
  tool: 'resource-postgres';
  level: 'instance';
  name: string;
  instance: string;
  engine: EngineName;
  /** docker: the image whose data files these are; native: undefined. */
  image?: string;
  server_major: number;
  created: string;
  size_bytes: number;
  physical: { base: string; wal: string; backup_label: string; tablespace_map?: string };
}

export interface InstanceSnapshot {
  dir: string;
  meta: InstanceSnapshotMeta;
}

const PARTIAL = '.partial-';
const META = 'snapshot.json';
const CREDENTIALS = 'credentials.json';

export const snapshotsRoot = (ctx: Context, instance: string) => join(ctx.registry.paths(instance).root, 'snapshots');

function parseMeta(text: string, name: string): InstanceSnapshotMeta | undefined {
  try {
    const m = JSON.parse(text) as Partial<InstanceSnapshotMeta>;
    const p = m.physical;
    if (m.tool !== 'resource-postgres' || m.level !== 'instance' || m.name !== name) return undefined;
    if (m.engine !== 'native' && m.engine !== 'docker') return undefined;
    // The file names are joined to the snapshot's directory: plain names only.
    const plain = (v: unknown) => typeof v === 'string' && /^[a-z_]+(\.tar)?$/.test(v);
    if (!p || !plain(p.base) || !plain(p.wal) || !plain(p.backup_label)) return undefined;
    if (p.tablespace_map !== undefined && !plain(p.tablespace_map)) return undefined;
    return m as InstanceSnapshotMeta;
  } catch {
    return undefined;
  }
}

/** The instance-level snapshot NAME of the instance, or undefined when there is none. */
export async function findInstanceSnapshot(
  ctx: Context,
  instance: string,
  name: string,
): Promise<InstanceSnapshot | undefined> {
  const dir = join(snapshotsRoot(ctx, instance), name);
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return undefined;
  const text = await readFile(join(dir, META), 'utf8').catch(() => undefined);
  const meta = text === undefined ? undefined : parseMeta(text, name);
  return meta ? { dir, meta } : undefined;
}

export async function listInstanceSnapshots(ctx: Context, instance: string): Promise<InstanceSnapshot[]> {
  const entries = await readdir(snapshotsRoot(ctx, instance)).catch(() => [] as string[]);
  const out: InstanceSnapshot[] = [];
  for (const name of entries.sort()) {
    if (name.startsWith('.')) continue;
    const snap = await findInstanceSnapshot(ctx, instance, name);
    if (snap) out.push(snap);
  }
  return out;
}

/** The credentials the snapshot's roles had when it was taken (0600), to reach the restored server. */
export async function snapshotCredentials(snap: InstanceSnapshot): Promise<DataCredentials | undefined> {
  const file = join(snap.dir, CREDENTIALS);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError('config', `the credentials of snapshot ${snap.meta.name} (${file}) are damaged`, {
      hint: `the snapshot cannot be restored; remove it: resource-postgres snapshot remove ${snap.meta.name} --instance ${snap.meta.instance}`,
    });
  }
  return asDataCredentials(parsed);
}

/** A fresh partial directory (the instance's lock held): finish() writes the record and renames it into place. */
export async function beginInstanceSnapshot(ctx: Context, instance: string, name: string) {
  const root = snapshotsRoot(ctx, instance);
  await mkdir(root, { recursive: true, mode: 0o700 });
  // Anything of that name (not a readable snapshot, or findInstanceSnapshot would have seen it)
  // is noticed now, not after the whole copy.
  if (
    await lstat(join(root, name)).then(
      () => true,
      () => false,
    )
  )
    throw new CliError('conflict', `${join(root, name)} exists but is not a readable snapshot`, {
      hint: `choose another name, or look at that directory and remove it`,
    });
  await checkPrivateDir(root, `instance ${instance}'s snapshot`);
  // Callers hold the instance's lock: a partial directory now is what a killed create or remove left.
  for (const left of await readdir(root))
    if (left.startsWith(PARTIAL)) await rm(join(root, left), { recursive: true, force: true });
  const dir = join(root, `${PARTIAL}${name}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return {
    dir,
    async finish(meta: InstanceSnapshotMeta, credentials: DataCredentials): Promise<string> {
      await writeFile(join(dir, CREDENTIALS), `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
      await writeFile(join(dir, META), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
      const final = join(root, name);
      // rename() would replace an empty directory of that name: refuse anything there.
      if (
        await lstat(final).then(
          () => true,
          () => false,
        )
      )
        throw new Error(`snapshot ${name} appeared while this one was written`);
      await rename(dir, final);
      return final;
    },
    abandon: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Renamed out of the listing first, so a removal cut short never leaves a half snapshot. */
export async function removeInstanceSnapshot(snap: InstanceSnapshot): Promise<void> {
  const doomed = join(snap.dir, '..', `${PARTIAL}removing-${randomBytes(4).toString('hex')}`);
  await rename(snap.dir, doomed);
  await rm(doomed, { recursive: true, force: true });
}
