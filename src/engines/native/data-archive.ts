import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CliError } from '../../core/errors.js';
import { isBaseBackupPath, walFilesBetween } from '../../core/physical-backup.js';
import type { DataArchiveRequest } from '../engine.js';

/**
 * Physical backups of a native data directory, read as root with GNU tar. Node lists the
 * tree and applies the documented exclusions (pure, unit-tested); tar reads exactly that
 * list (directories included, so empty ones like pg_wal come back on restore). Files that
 * vanish or change while read are expected during an online backup: the WAL replayed on
 * restore repairs them, so tar's warnings (exit 1) are not failures.
 */
async function listTree(root: string, rel = '.'): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out; // dropped meanwhile
    throw e;
  }
  for (const entry of entries) {
    const path = `${rel}/${entry.name}`;
    if (!isBaseBackupPath(path, entry.isDirectory())) continue;
    out.push(path);
    if (entry.isDirectory()) out.push(...(await listTree(root, path)));
  }
  return out;
}

async function paths(dataDir: string, request: DataArchiveRequest): Promise<string[]> {
  if (request.kind === 'base') return listTree(dataDir);
  const names = await readdir(join(dataDir, 'pg_wal'));
  return walFilesBetween(names, request.from, request.to).map((n) => `./pg_wal/${n}`);
}

export async function archiveDataDir(
  dataDir: string,
  request: DataArchiveRequest,
  out: NodeJS.WritableStream,
): Promise<void> {
  const list = await paths(dataDir, request);
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
  await runTar(args, list.map((p) => `${p}\0`).join(''), out, `archive ${dataDir}`);
}

/** Extracts a tar file into dir (as root; the caller hands the tree to the server user). */
export async function extractInto(tarFile: string, dir: string): Promise<void> {
  await runTar(['-x', '-f', tarFile, '-C', dir, '--numeric-owner'], '', undefined, `extract ${tarFile}`);
}

async function runTar(
  args: string[],
  input: string,
  out: NodeJS.WritableStream | undefined,
  what: string,
): Promise<void> {
  const child = spawn('tar', args, { stdio: ['pipe', out ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4096);
  });
  const exited = new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done(code ?? 2));
  });
  child.stdin!.end(input);
  if (out && child.stdout) await pipeline(child.stdout, out, { end: false });
  const code = await exited.catch((e: Error) => {
    throw new CliError('engine', `cannot run tar to ${what}: ${e.message}`, {
      hint: 'install GNU tar (Debian: apt-get install tar)',
    });
  });
  // 1 = "some files differ/vanished": expected while the server writes; 2 = fatal.
  if (code > 1) throw new CliError('failed', `tar could not ${what} (exit ${code})`, { details: stderr.trim() });
}
