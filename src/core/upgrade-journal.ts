import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors.js';
import { instancePaths } from './instance.js';

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

/** Written whole or not at all (a temp file renamed over it). */
export async function writeUpgradeJournal(home: string, name: string, journal: UpgradeJournal): Promise<void> {
  const target = upgradeJournalPath(home, name);
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, JSON.stringify(journal), { mode: 0o600, flag: 'wx' });
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new CliError('config', `cannot write the upgrade journal ${target}: ${(e as Error).message}`, {
      hint: 'check that the home is writable and the disk is not full',
    });
  }
}

export async function readUpgradeJournal(home: string, name: string): Promise<UpgradeJournal | undefined> {
  const text = await readFile(upgradeJournalPath(home, name), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const j = JSON.parse(text) as UpgradeJournal;
    if ((j.phase === 'building' || j.phase === 'switching') && typeof j.target?.name === 'string') return j;
  } catch {
    // fall through: a journal we cannot read is reported, never guessed at
  }
  throw new CliError('config', `the upgrade journal ${upgradeJournalPath(home, name)} is damaged`, {
    hint: 'an interrupted upgrade cannot be undone automatically; the old data is untouched: check instance.conf, then remove the file',
  });
}

export async function clearUpgradeJournal(home: string, name: string): Promise<void> {
  await rm(upgradeJournalPath(home, name), { force: true });
}
