import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Names of the per-instance OS users (pure). An admin reading `ps` or /etc/passwd should see
 * which instance a user serves, so the name is `rp-<instance>`; instance names repeat across
 * homes (every home has a `main`), and Linux user names stop at 32 characters, so the second
 * choice adds a short hash of the home and instance. The comment (GECOS) field carries a marker
 * naming exactly which home and instance a user belongs to: a user is only ever adopted when
 * its marker matches, never because its name happens to fit.
 */

export const USER_PREFIX = 'rp-';
const MAX_USER_NAME = 32;
const HASH_LENGTH = 8;

/** Lowercase letters, digits, "_" and "-": what useradd accepts everywhere. */
function portable(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
}

/** Stable id of one instance of one home. */
export function instanceKey(home: string, name: string, length = 12): string {
  return createHash('sha256')
    .update(`${resolve(home)}\0${name}`)
    .digest('hex')
    .slice(0, length);
}

/** The user names to try, best first: the plain one when it fits, then the hashed one. */
export function serverUserCandidates(home: string, name: string): string[] {
  const plain = `${USER_PREFIX}${portable(name)}`;
  const hash = instanceKey(home, name, HASH_LENGTH);
  const room = MAX_USER_NAME - USER_PREFIX.length - 1 - HASH_LENGTH;
  const hashed = `${USER_PREFIX}${portable(name).slice(0, room).replace(/-+$/, '')}-${hash}`;
  return plain.length <= MAX_USER_NAME && plain !== hashed ? [plain, hashed] : [hashed];
}

/** The comment field of the user made for this instance: the instance and which home. */
export function serverUserMarker(home: string, name: string): string {
  return `resource-postgres ${name} ${instanceKey(home, name)}`;
}
