import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Manifest, parseManifest, validateBackupName } from './manifest.js';
import { CliError, notFound } from '../../core/errors.js';
import { instancePaths } from '../../core/instance.js';
import type { Context } from '../../context.js';
import { BACKUP_DIR_ENV } from './options.js';
import { checkPrivateDir } from '../../system/private-dir.js';

/**
 * Backups on disk: <root>/<instance>/... where root is the home (<home>/<name>/backups/) or
 * a --backup-dir. A backup is written in ".partial-<name>-<pid>-<rand>" and renamed to
 * <name> only after its manifest is complete, so a crash or kill never leaves anything that
 * lists as complete; partial directories list as incomplete (or in progress while their
 * process lives) and prune removes the dead ones. Backups hold the superuser's password
 * (credentials.json) beside the data: directories are 0700, files 0600, all ours.
 */
export interface StoredBackup {
  name: string;
  instance: string;
  dir: string;
  manifest: Manifest;
}

export interface PartialBackup {
  name: string;
  instance: string;
  dir: string;
  pid?: number;
  started_at?: string;
  status: 'in progress' | 'incomplete';
}

const PARTIAL = '.partial-';
const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** ".partial-<name>-<pid>-<rand>" -> name (the marker file may not exist if killed at once). */
export function partialName(dirName: string): string {
  return dirName.slice(PARTIAL.length).split('-').slice(0, -2).join('-') || dirName;
}

export class BackupStore {
  constructor(
    readonly home: string,
    readonly customDir?: string,
  ) {}

  dirOf(instance: string): string {
    return this.customDir ? join(this.customDir, instance) : instancePaths(this.home, instance).backups;
  }

  /** Instances that have a backups directory (including ones uninstalled with --keep-data). */
  async instances(): Promise<string[]> {
    const base = this.customDir ?? this.home;
    const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
    const names: string[] = [];
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      if (
        await stat(this.dirOf(e.name)).then(
          (s) => s.isDirectory(),
          () => false,
        )
      )
        names.push(e.name);
    }
    return names.sort();
  }

  async list(
    only?: string,
  ): Promise<{ complete: StoredBackup[]; partial: PartialBackup[]; damaged: Array<{ dir: string; error: string }> }> {
    const complete: StoredBackup[] = [];
    const partial: PartialBackup[] = [];
    const damaged: Array<{ dir: string; error: string }> = [];
    for (const instance of only ? [only] : await this.instances()) {
      const root = this.dirOf(instance);
      for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
        if (!e.isDirectory()) continue;
        const dir = join(root, e.name);
        if (e.name.startsWith(PARTIAL)) {
          // Killed right after creating it, the file may be empty or half-written: the name and pid then come from the directory name.
          const info = await readFile(join(dir, 'in-progress.json'), 'utf8')
            .then((t) => JSON.parse(t) as { name?: string; pid?: number; started_at?: string })
            .catch(() => ({}) as { name?: string; pid?: number; started_at?: string });
          const pid = info.pid ?? (Number(e.name.split('-').at(-2)) || undefined);
          partial.push({
            name: info.name ?? partialName(e.name),
            instance,
            dir,
            pid,
            started_at: info.started_at,
            status: alive(pid) ? 'in progress' : 'incomplete',
          });
          continue;
        }
        if (e.name.startsWith('.')) continue;
        const path = join(dir, 'manifest.json');
        try {
          complete.push({ name: e.name, instance, dir, manifest: parseManifest(await readFile(path, 'utf8'), path) });
        } catch (err) {
          damaged.push({ dir, error: (err as Error).message });
        }
      }
    }
    complete.sort((a, b) => a.manifest.finished_at.localeCompare(b.manifest.finished_at));
    return { complete, partial, damaged };
  }

  /**
   * The complete backup called `name`. With `instance`, only that instance's backup
   * ('only': verify, remove), or that instance's backup when several share the name
   * ('prefer': restore, where --instance names the target and another's backup may go in).
   */
  async find(name: string, instance?: string, mode: 'only' | 'prefer' = 'only'): Promise<StoredBackup> {
    validateBackupName(name);
    const { complete } = await this.list();
    const found = complete.filter((b) => b.name === name);
    const mine = found.filter((b) => b.instance === instance);
    if (mine.length === 1) return mine[0]!;
    if (instance !== undefined && mode === 'only')
      throw notFound(
        `no complete backup named ${name} of instance ${instance} in ${this.customDir ?? this.home}${found.length ? ` (there is one of ${found.map((b) => b.instance).join(', ')})` : ''}`,
        `see resource-postgres backup list --instance ${instance}`,
      );
    if (found.length === 1) return found[0]!;
    if (found.length > 1)
      throw new CliError(
        'conflict',
        `backup ${name} exists for several instances (${found.map((b) => b.instance).join(', ')})`,
        { hint: 'name the instance with --instance' },
      );
    throw notFound(
      `no complete backup named ${name} in ${this.customDir ?? this.home}`,
      'see resource-postgres backup list',
    );
  }

  async exists(name: string): Promise<boolean> {
    return (await this.list()).complete.some((b) => b.name === name);
  }

  /** A fresh partial directory for a new backup. */
  async begin(
    instance: string,
    name: string,
    startedAt: Date,
  ): Promise<{ dir: string; finish(manifest: Manifest): Promise<string>; abandon(): Promise<void> }> {
    const root = this.dirOf(instance);
    await mkdir(root, { recursive: true, mode: 0o700 });
    // Also when an earlier version (or a hand) made it: 0700 and ours, or refused.
    await checkPrivateDir(root, `instance ${instance}'s backup`);
    const dir = join(root, `${PARTIAL}${name}-${process.pid}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { mode: 0o700 });
    await writeFile(
      join(dir, 'in-progress.json'),
      `${JSON.stringify({ name, instance, pid: process.pid, started_at: startedAt.toISOString() })}\n`,
      { mode: 0o600 },
    );
    return {
      dir,
      async finish(manifest) {
        await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
        await rm(join(dir, 'in-progress.json'), { force: true });
        const final = join(root, name);
        if (
          await stat(final).then(
            () => true,
            () => false,
          )
        )
          throw new CliError('conflict', `backup ${name} appeared while this one was written`, {
            hint: 'choose another --name',
          });
        await rename(dir, final);
        return final;
      },
      abandon: () => rm(dir, { recursive: true, force: true }),
    };
  }

  async remove(dir: string): Promise<void> {
    // Renamed out of the listing first, so a removal cut short never leaves a half-complete entry.
    const doomed = `${dir.replace(/\/[^/]+$/, '')}/${PARTIAL}removing-${randomBytes(3).toString('hex')}`;
    await rename(dir, doomed);
    await rm(doomed, { recursive: true, force: true });
  }
}

/** The store a command uses: --backup-dir, else RESOURCE_POSTGRES_BACKUP_DIR, else the home. */
export function storeOf(ctx: Context, opts: { backupDir?: string }): BackupStore {
  const custom = opts.backupDir ?? (ctx.env[BACKUP_DIR_ENV] || undefined);
  return new BackupStore(ctx.home.dir, custom);
}
