import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { CliError } from './errors.js';

/**
 * The file behind an operation's journal (a restore, an upgrade): JSON beside instance.conf,
 * root's, 0600, written whole or not at all (a temp file renamed over it), and read strictly:
 * a journal that cannot be understood is reported, never guessed at.
 */
export async function writeJournalFile(target: string, journal: unknown, what: string, hint: string): Promise<void> {
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, JSON.stringify(journal), { mode: 0o600, flag: 'wx' });
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new CliError('config', `cannot write the ${what} ${target}: ${(e as Error).message}`, { hint });
  }
}

/** The journal, undefined when there is none; damaged (unparsable or not `valid`): an error with `hint`. */
export async function readJournalFile<T>(
  target: string,
  valid: (journal: T) => boolean,
  what: string,
  hint: string,
): Promise<T | undefined> {
  const text = await readFile(target, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const journal = JSON.parse(text) as T;
    if (journal && valid(journal)) return journal;
  } catch {
    // fall through to the error below
  }
  throw new CliError('config', `the ${what} ${target} is damaged`, { hint });
}
