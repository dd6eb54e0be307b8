import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataCredentials } from './data-credentials.js';
import { CliError } from './errors.js';
import { instancePaths } from './instance.js';

/**
 * The journal of a physical restore in flight, beside instance.conf (root's, 0600): which
 * phase it reached, and at commit the restored data's superuser. A restore killed at any
 * point is then finished or undone by the next command: before commit the previous data
 * comes back; after it, the new data stays and its credentials are saved. So an instance
 * starts with the old data and old credentials or the new data and new credentials.
 */
export interface RestoreJournal {
  backup: string;
  phase: 'replacing' | 'committing';
  credentials?: DataCredentials;
}

const FILE = 'restore-journal.json';
const path = (home: string, name: string) => join(instancePaths(home, name).config, FILE);

/** Written whole or not at all (a temp file renamed over it). */
export async function writeRestoreJournal(home: string, name: string, journal: RestoreJournal): Promise<void> {
  const target = path(home, name);
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, JSON.stringify(journal), { mode: 0o600, flag: 'wx' });
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new CliError('config', `cannot write the restore journal ${target}: ${(e as Error).message}`, {
      hint: 'nothing was replaced; check that the home is writable and the disk is not full',
    });
  }
}

export async function readRestoreJournal(home: string, name: string): Promise<RestoreJournal | undefined> {
  const text = await readFile(path(home, name), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const j = JSON.parse(text) as RestoreJournal;
    if (j.phase === 'replacing' || j.phase === 'committing') return j;
  } catch {
    // fall through: a journal we cannot read is reported, never guessed at
  }
  throw new CliError('config', `the restore journal ${path(home, name)} is damaged`, {
    hint: 'an interrupted restore cannot be finished automatically; inspect the data directory, then remove the file',
  });
}

export async function clearRestoreJournal(home: string, name: string): Promise<void> {
  await rm(path(home, name), { force: true });
}
