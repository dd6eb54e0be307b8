import { userInfo } from 'node:os';
import type { Instance } from '../../core/instance.js';

/**
 * Which OS user each native server runs as, and what that means for isolation. As root every
 * native instance has its own system user (recorded as server_user in instance.conf); run as a
 * normal user, the servers can only run as that user, so they share it: a database superuser
 * of one instance can then reach the others' files. Docker isolates by container instead.
 */

/** The server's OS user: the recorded one as root, the caller otherwise; null for docker. */
export function serverUserOf(instance: Instance, euid = process.geteuid?.()): string | null {
  if (instance.engine !== 'native') return null;
  if (euid === 0) return instance.extra.server_user ?? null;
  return userInfo().username;
}

/** The --verbose notes about isolation between this home's native instances (pure but for the user name). */
export function isolationNotes(instances: Instance[], euid = process.geteuid?.()): string[] {
  const native = instances.filter((i) => i.engine === 'native');
  if (native.length === 0) return [];
  if (euid === 0) return ['each native instance runs as its own system user (OS USER); none can read another'];
  return [
    `not running as root: every native instance runs as ${userInfo().username}, the same OS user, so a database superuser of one instance (COPY ... TO PROGRAM) can read and change the files of the others; run resource-postgres as root for one system user per instance, or use the docker engine`,
  ];
}
