import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { instancePaths } from './instance.js';
import { readJournalFile, writeJournalFile } from './journal-file.js';

/**
 * The journal of a major upgrade in flight, beside instance.conf (root's, 0600). It names
 * everything the upgrade made (the new major's server, on a temporary port) and what the
 * instance was before, so a CLI killed at any point is undone by the next command:
 * - building: the new server is being filled; the instance itself is untouched (maybe started
 *   for the dump). Undo: remove the new server and its data.
 * - switching: the instance's server is being swapped for the new one (instance.conf may
 *   already name it). Undo: put the record back and bring the old server back as it was.
 * The journal goes only once the upgraded instance answered on its own port. No secrets: the
 * target is rebuilt from the instance's record and these fields.
 */
export interface UpgradeJournal {
  phase: 'building' | 'switching';
  /** The major upgraded to, and the target as the engine named it (docker: its container name). */
  major: number;
  target: { name: string; port: number; image?: string; dataDir?: string; version: string };
  /** The fields of instance.conf an upgrade changes, as they were. */
  before: { version?: string; image?: string; dataDir?: string; pgBin?: string; dataVolume?: string };
  /** Whether the instance's server ran before the upgrade (it is left as it was found). */
  wasRunning: boolean;
  started: string;
}

const FILE = 'upgrade-journal.json';
export const upgradeJournalPath = (home: string, name: string) => join(instancePaths(home, name).config, FILE);

export async function writeUpgradeJournal(home: string, name: string, journal: UpgradeJournal): Promise<void> {
  await writeJournalFile(
    upgradeJournalPath(home, name),
    journal,
    'upgrade journal',
    'check that the home is writable and the disk is not full',
  );
}

export function readUpgradeJournal(home: string, name: string): Promise<UpgradeJournal | undefined> {
  return readJournalFile<UpgradeJournal>(
    upgradeJournalPath(home, name),
    (j) => (j.phase === 'building' || j.phase === 'switching') && typeof j.target?.name === 'string',
    'upgrade journal',
    'an interrupted upgrade cannot be undone automatically; the old data is untouched: check instance.conf, then remove the file',
  );
}

export async function clearUpgradeJournal(home: string, name: string): Promise<void> {
  await rm(upgradeJournalPath(home, name), { force: true });
}
