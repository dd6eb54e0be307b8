import { spawn } from 'node:child_process';
import { chown, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../../core/errors.js';
import { majorOf, primaryConninfo, type ReplicaLink, replicationPassfileLine } from '../../core/replica.js';
import { connectHost } from '../../core/connection.js';
import { archiveDataDir } from './data-archive.js';
import { confValue } from './render.js';
import { runAsServer, serverEnv, type ServerUser } from './run-as.js';
import { writeRootFile } from './safe-fs.js';

/**
 * The files that make a native data directory a streaming replica. The base copy goes from
 * the primary's data directory (read by tar as the primary's user) straight into the replica's
 * (written by tar as the replica's user): root reads and writes nothing inside either. The
 * standby settings and the replication password live in the replica's server-conf/, root's
 * directory: the password file is the one file there owned by the server user, 0600, because
 * libpq ignores a password file others can read.
 */
export const STANDBY_FILE = 'standby.conf';
export const PASSFILE = 'replication.pgpass';

/** tar -c of the primary's base files | tar -x into the replica's empty data directory. */
export async function copyBase(
  fromDir: string,
  fromUser: ServerUser | undefined,
  toDir: string,
  toUser: ServerUser | undefined,
): Promise<void> {
  const child = spawn('tar', ['-x', '-f', '-', '-C', toDir, '--no-same-owner'], {
    ...(toUser ? { uid: toUser.uid, gid: toUser.gid } : {}),
    env: serverEnv(toUser),
    cwd: '/',
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4096);
  });
  const exited = new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done(code ?? 2));
  });
  child.stdin!.on('error', () => {}); // an early exit of tar is reported by its exit code
  try {
    await archiveDataDir(fromDir, { kind: 'base' }, child.stdin!, fromUser);
  } finally {
    child.stdin!.end();
  }
  const code = await exited;
  if (code !== 0)
    throw new CliError('failed', `could not copy the primary's data into ${toDir} (tar exit ${code})`, {
      details: stderr.trim(),
    });
}

/** Writes a file inside the replica's data directory as its server user (never as root). */
export async function writeAsServer(user: ServerUser | undefined, path: string, text: string): Promise<void> {
  const res = await runAsServer(user, 'sh', ['-c', 'umask 077 && cat > "$1"', 'sh', path], 60_000, { input: text });
  if (res.exitCode !== 0) throw new CliError('failed', `cannot write ${path}`, { details: res.output.trim() });
}

/** standby.conf (root's, read by the server) and the password file (the server user's, 0600). */
export async function writeStandbyFiles(
  confDir: string,
  link: ReplicaLink,
  applicationName: string,
  user: ServerUser | undefined,
): Promise<void> {
  const passfile = join(confDir, PASSFILE);
  await writeRootFile(passfile, replicationPassfileLine(link), 0o600);
  // In root's directory: only root can replace the entry, so chown by path acts on this file.
  if (user) await chown(passfile, user.uid, user.gid);
  const conninfo = primaryConninfo({
    host: connectHost(link.primary.host),
    port: link.primary.port,
    user: link.user,
    passfile,
    applicationName,
    major: majorOf(link.primary.version),
  });
  const text = [
    `# Written by resource-postgres: this instance streams from instance ${link.primary.name}.`,
    `primary_conninfo = ${confValue(conninfo)}`,
    `primary_slot_name = ${confValue(link.slot)}`,
    "hot_standby = 'on'",
    '',
  ].join('\n');
  await writeRootFile(join(confDir, STANDBY_FILE), text, user ? 0o640 : 0o600, user?.gid);
}

/** After a promotion: the standby settings and the password go (server-conf/ is root's: by path is safe). */
export async function removeStandbyFiles(confDir: string): Promise<void> {
  for (const f of [STANDBY_FILE, PASSFILE]) await rm(join(confDir, f), { force: true });
}
