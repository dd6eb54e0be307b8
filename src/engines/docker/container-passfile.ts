import { createHash, randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { asAdmin, type Instance } from '../../core/instance.js';
import { passfileLine } from '../../core/passfile.js';
import { execInContainer } from './container-exec.js';
import { singleFileTar } from './password-file.js';

/**
 * The password of a client program run by docker exec, as a libpq password file copied into
 * the container just before the exec and removed right after, instead of PGPASSWORD in the
 * exec's environment: that environment is visible on the host in /proc/<pid>/environ of the
 * exec'd process (container processes are host processes) and to everything the program
 * starts. The file is 0600 and owned by the uid the exec runs as (libpq ignores a passfile
 * others can read), at / under a random name: / belongs to root in every image, so the
 * server's user (whom a tenant controls through COPY ... TO PROGRAM) can neither plant a
 * link there nor read the file. The exec's record shows only the path.
 */
const PASSFILE_PREFIX = '/.resource-postgres-pgpass-';

/** The uid a default exec runs as, from the container's configured User; 'ask' when it is a name. */
export function execUidOf(configUser: string | undefined): number | 'ask' {
  const user = (configUser ?? '').trim();
  if (user === '' || user === 'root' || /^root:/.test(user)) return 0;
  const numeric = /^(\d+)(?::.*)?$/.exec(user);
  return numeric ? Number(numeric[1]) : 'ask';
}

/** The uid per container id: a container's configured User never changes, so one inspect per process. */
const uids = new Map<string, Promise<number>>();

function execUid(container: Dockerode.Container): Promise<number> {
  let uid = uids.get(container.id);
  if (!uid) {
    uid = askUid(container);
    uids.set(container.id, uid);
    uid.catch(() => uids.delete(container.id));
  }
  return uid;
}

async function askUid(container: Dockerode.Container): Promise<number> {
  const uid = execUidOf((await container.inspect()).Config?.User);
  if (uid !== 'ask') return uid;
  const res = await execInContainer(container, { cmd: ['id', '-u'] });
  const found = /^\s*(\d+)\s*$/.exec(res.stdout ?? '');
  if (res.exitCode !== 0 || !found)
    throw new Error(`cannot tell which uid the container's user runs as: ${res.stderr}`);
  return Number(found[1]);
}

interface SharedFile {
  path: string;
  users: number;
  ready: Promise<void>;
}

/**
 * Client programs of one command that run at the same time (a backup's dumps in parallel)
 * share one password file: one copy in and one removal instead of one each. The file still
 * lives only while a client that needs it runs; the last one out removes it. Keyed by
 * container and a hash of the line, so another role or password never reuses it.
 */
const shared = new Map<string, SharedFile>();

async function release(key: string, file: SharedFile, container: Dockerode.Container): Promise<void> {
  if (--file.users > 0) return;
  if (shared.get(key) === file) shared.delete(key);
  // As root: only root may remove an entry of /, whichever user the client ran as.
  await execInContainer(container, { cmd: ['rm', '-f', file.path], user: '0' }).catch(() => undefined);
}

export async function withContainerPassfile<T>(
  container: Dockerode.Container,
  instance: Instance,
  run: (path: string) => Promise<T>,
): Promise<T> {
  const line = passfileLine(asAdmin(instance).user, asAdmin(instance).password.reveal());
  const key = `${container.id}\0${createHash('sha256').update(line).digest('hex')}`;
  let file = shared.get(key);
  if (file) file.users++;
  else {
    const path = `${PASSFILE_PREFIX}${randomBytes(8).toString('hex')}`;
    const ready = execUid(container).then((uid) =>
      container.putArchive(singleFileTar(path.slice(1), line, 0o600, 0, uid, 0), { path: '/' }),
    );
    file = { path, users: 1, ready: ready.then(() => undefined) };
    shared.set(key, file);
  }
  try {
    await file.ready;
    return await run(file.path);
  } finally {
    await release(key, file, container);
  }
}
