import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from './exec.js';
import { CliError } from '../../core/errors.js';
import { isBaseBackupPath, walFilesBetween } from '../../core/physical-backup.js';
import { type ArchiveOutput, type DataArchiveRequest, isDescriptor } from '../engine.js';
import { serverEnv, type ServerUser } from './run-as.js';

/**
 * Physical backups of a native data directory with GNU find and tar, both run as the server
 * user: the data directory is that user's to change (links included), so it is read with that
 * user's rights, and a link planted in it can reach nothing the server could not read anyway.
 * Node applies the documented exclusions (pure, unit-tested) to find's listing; tar reads
 * exactly that list (directories included, so empty ones like pg_wal come back on restore).
 * Files that vanish or change while read are expected during an online backup: the WAL
 * replayed on restore repairs them, so tar's warnings (exit 1) are not failures.
 */

const asUser = (user: ServerUser | undefined) => ({
  ...(user ? { uid: user.uid, gid: user.gid } : {}),
  env: serverEnv(user),
  cwd: '/',
});

/** find's "<type> <path>\0" records -> the paths a base backup holds, as ./<path>. */
export function baseBackupList(findOutput: string): string[] {
  const out: string[] = [];
  const skipped: string[] = [];
  for (const record of findOutput.split('\0')) {
    if (record.length < 3) continue;
    const [type, rel] = [record[0], record.slice(2)];
    const path = `./${rel}`;
    if (skipped.some((dir) => path.startsWith(`${dir}/`))) continue; // inside an excluded directory
    if (!isBaseBackupPath(path, type === 'd')) {
      if (type === 'd') skipped.push(path);
      continue;
    }
    out.push(path);
  }
  return out;
}

async function find(user: ServerUser | undefined, dir: string, args: string[]): Promise<string> {
  const res = await execa('find', [dir, '-mindepth', '1', ...args], {
    ...asUser(user),
    reject: false,
    timeout: 600_000,
  });
  // 1: something vanished while listed (dropped tables during an online backup): expected.
  if (res.exitCode !== 0 && res.exitCode !== 1)
    throw new CliError('failed', `cannot list ${dir}`, { details: String(res.stderr).trim() });
  return String(res.stdout);
}

async function paths(user: ServerUser | undefined, dataDir: string, request: DataArchiveRequest): Promise<string[]> {
  if (request.kind === 'base') return baseBackupList(await find(user, dataDir, ['-printf', '%y %P\\0']));
  // The trailing slash follows a pg_wal that initdb -X made a link, as the server does.
  const names = (await find(user, `${dataDir}/pg_wal/`, ['-maxdepth', '1', '-printf', '%f\\0'])).split('\0');
  return walFilesBetween(names.filter(Boolean), request.from, request.to).map((n) => `./pg_wal/${n}`);
}

export async function archiveDataDir(
  dataDir: string,
  request: DataArchiveRequest,
  out: ArchiveOutput,
  user: ServerUser | undefined,
): Promise<void> {
  const list = await paths(user, dataDir, request);
  const args = [
    '-c',
    '-f',
    '-',
    '-C',
    dataDir,
    '--numeric-owner',
    '--no-recursion',
    '--null',
    '-T',
    '-',
    '--ignore-failed-read',
    '--warning=no-file-changed',
    '--warning=no-file-removed',
  ];
  await runTar(args, user, list.map((p) => `${p}\0`).join(''), out, `archive ${dataDir}`);
}

/**
 * Extracts a tar file into dir as the server user (dir is that user's): files come out owned
 * by it, and root never writes inside the directory. Root opens the file and feeds it in.
 */
export async function extractInto(tarFile: string, dir: string, user: ServerUser | undefined): Promise<void> {
  await runTar(
    ['-x', '-f', '-', '-C', dir, '--no-same-owner'],
    user,
    { file: tarFile },
    undefined,
    `extract ${tarFile}`,
  );
}

/** cat, as us, from tar's output pipe to the archive's descriptor; resolves with its exit code. */
function relayTo(from: NodeJS.ReadableStream, fd: number): Promise<number> {
  const cat = spawn('cat', [], { stdio: [from as unknown as Readable, fd, 'ignore'], env: serverEnv(undefined) });
  // cat holds its own copy of the pipe's read end: ours would keep tar's 'close' waiting for an end never read.
  (from as unknown as Readable).destroy();
  return new Promise((done, fail) => {
    cat.once('error', fail);
    cat.once('close', (code) => done(code ?? 2));
  });
}

async function runTar(
  args: string[],
  user: ServerUser | undefined,
  input: string | { file: string },
  out: ArchiveOutput | undefined,
  what: string,
): Promise<void> {
  // A descriptor: the archive goes to the file with no copy through node. Never to a tar running
  // as the server user (a tenant can ptrace its own uid's processes and would keep a descriptor of
  // the program's file): that tar writes a pipe, and cat, as us, copies the pipe to the file.
  const direct = out && isDescriptor(out) && !user ? out.fd : undefined;
  const relay = out && isDescriptor(out) && user ? out.fd : undefined;
  const stdout = !out ? 'ignore' : (direct ?? 'pipe');
  const child = spawn('tar', args, { ...asUser(user), stdio: ['pipe', stdout, 'pipe'] });
  const copied = relay === undefined ? undefined : relayTo(child.stdout!, relay);
  copied?.catch(() => {}); // awaited after tar's end (a cat that could not start is reported there)
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4096);
  });
  const exited = new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done(code ?? 2));
  });
  const feeding =
    typeof input === 'string'
      ? Promise.resolve(child.stdin!.end(input))
      : pipeline(createReadStream(input.file), child.stdin!);
  const fed = feeding.catch((e: Error) => e);
  if (out && !isDescriptor(out) && child.stdout) await pipeline(child.stdout, out, { end: false });
  const code = await exited.catch((e: Error) => {
    throw new CliError('engine', `cannot run tar to ${what}: ${e.message}`, {
      hint: 'install GNU tar (Debian: apt-get install tar)',
    });
  });
  const relayed = await copied;
  if (relayed !== undefined && relayed !== 0)
    throw new CliError('failed', `could not write the archive to ${what} (cat exit ${relayed})`);
  const feedError = await fed;
  // 1 = "some files differ/vanished": expected while the server writes; 2 = fatal.
  if (code > 1) throw new CliError('failed', `tar could not ${what} (exit ${code})`, { details: stderr.trim() });
  // tar stops reading at the archive's end-of-archive blocks and may close its input before
  // the file's trailing padding was written ("Premature close"): with exit 0 it had it all.
  if (feedError instanceof Error && code !== 0)
    throw new CliError('failed', `tar could not ${what}: ${feedError.message}`);
}
