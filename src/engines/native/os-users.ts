import { readdir, readFile } from 'node:fs/promises';
import { execa } from './exec.js';
import { CliError } from '../../core/errors.js';
import { parsePasswdLine, type ServerUser } from './run-as.js';
import { serverUserCandidates, serverUserMarker } from './server-user-name.js';

/**
 * One unprivileged system user per native instance (when we are root): a database superuser
 * can run programs as its server's OS user, so instances that shared one user could read and
 * change each other's files. Users are created on first need, adopted only when their comment
 * carries this instance's marker, and removed with the instance.
 */

export async function lookupUser(name: string): Promise<ServerUser | undefined> {
  // useradd writes the local file, so the users we make (and most others) are found there,
  // without a getent process (~10 ms each, several per start); getent asks NSS for the rest.
  const local = await localUser(name);
  if (local) return local;
  const res = await execa('getent', ['passwd', name], { reject: false, timeout: 10_000 });
  if (res.exitCode === 0) return parsePasswdLine(String(res.stdout));
  return undefined;
}

/** The entry of /etc/passwd for a name or a numeric uid, as getent passwd matches them. */
export async function localUser(key: string): Promise<ServerUser | undefined> {
  const text = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const byUid = /^\d+$/.test(key);
  for (const line of text.split('\n')) {
    const user = parsePasswdLine(line);
    if (user && (byUid ? String(user.uid) === key : user.name === key)) return user;
  }
  return undefined;
}

const NO_HOME = '/nonexistent';

/** The existing user made for this instance, if any: the recorded name first, then the candidates. */
export async function findInstanceUser(home: string, name: string, recorded?: string): Promise<ServerUser | undefined> {
  const marker = serverUserMarker(home, name);
  for (const candidate of [...new Set([recorded, ...serverUserCandidates(home, name)])]) {
    if (!candidate) continue;
    const user = await lookupUser(candidate);
    if (user && user.uid !== 0 && user.comment === marker) return user;
  }
  return undefined;
}

/** Creates (or finds) the instance's user; the first candidate nobody else holds wins. */
export async function ensureInstanceUser(home: string, name: string, recorded?: string): Promise<ServerUser> {
  const found = await findInstanceUser(home, name, recorded);
  if (found) return found;
  const marker = serverUserMarker(home, name);
  let last = '';
  for (const candidate of serverUserCandidates(home, name)) {
    const res = await execa(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--home-dir', NO_HOME, '--shell', '/usr/sbin/nologin'].concat([
        '--comment',
        marker,
        candidate,
      ]),
      { reject: false, timeout: 30_000, all: true },
    );
    // Ours even when useradd lost a race to another start of this same instance.
    const user = await lookupUser(candidate);
    if (user && user.uid !== 0 && user.comment === marker) return user;
    last = `${candidate}: ${String(res.all ?? res.shortMessage).trim() || 'taken by another user'}`;
  }
  throw new CliError('engine', `cannot create the system user that runs instance ${name} (${last})`, {
    hint: 'PostgreSQL refuses to run as root, and each instance runs as its own user; check that useradd works here, or run resource-postgres as a non-root user',
  });
}

/** Pids of every process running as uid (read from /proc). */
async function processesOf(uid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p))) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    if (real !== undefined && Number(real) === uid) pids.push(Number(pid));
  }
  return pids;
}

/**
 * Ends whatever still runs as the instance's user (a program a tenant started with COPY TO
 * PROGRAM outlives the server), so the user can be removed and nothing it left acts later.
 */
export async function killUserProcesses(user: ServerUser): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const pids = await processesOf(user.uid);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Removes the instance's user (and its group) once its files are gone; absent is fine. */
export async function removeInstanceUser(home: string, name: string, recorded?: string): Promise<void> {
  const user = await findInstanceUser(home, name, recorded);
  if (!user) return;
  await killUserProcesses(user);
  const res = await execa('userdel', [user.name], { reject: false, timeout: 30_000, all: true });
  // 6: no such user (removed meanwhile).
  if (res.exitCode !== 0 && res.exitCode !== 6) {
    throw new CliError('failed', `cannot remove the system user ${user.name} of instance ${name}`, {
      details: String(res.all ?? res.shortMessage).trim(),
      hint: `remove it by hand: userdel ${user.name}; then run the uninstall again`,
    });
  }
}
