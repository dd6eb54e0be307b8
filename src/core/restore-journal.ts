import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataCredentials } from './data-credentials.js';
import { instancePaths } from './instance.js';
import { readJournalFile, writeJournalFile } from './journal-file.js';

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

export async function writeRestoreJournal(home: string, name: string, journal: RestoreJournal): Promise<void> {
  await writeJournalFile(
    path(home, name),
    journal,
    'restore journal',
    'nothing was replaced; check that the home is writable and the disk is not full',
  );
}

export function readRestoreJournal(home: string, name: string): Promise<RestoreJournal | undefined> {
  return readJournalFile<RestoreJournal>(
    path(home, name),
    (j) => j.phase === 'replacing' || j.phase === 'committing',
    'restore journal',
    'an interrupted restore cannot be finished automatically; inspect the data directory, then remove the file',
  );
}

export async function clearRestoreJournal(home: string, name: string): Promise<void> {
  await rm(path(home, name), { force: true });
}
