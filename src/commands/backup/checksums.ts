import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { unsafeManifestPath } from './manifest.js';
import type { StoredBackup } from './store.js';
import { hashFile } from '../../system/file-sink.js';

export interface FileCheck {
  path: string;
  ok: boolean;
  problem?: string;
}

async function filesUnder(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(root, full)));
    else out.push(relative(root, full));
  }
  return out;
}

/** Every file the manifest lists, re-hashed; plus files present that it does not list. */
export async function checkFiles(backup: StoredBackup): Promise<FileCheck[]> {
  const checks: FileCheck[] = [];
  for (const f of backup.manifest.files) {
    if (unsafeManifestPath(f.path)) {
      checks.push({ path: f.path, ok: false, problem: 'path points outside the backup' });
      continue;
    }
    const got = await hashFile(join(backup.dir, f.path)).catch((e: NodeJS.ErrnoException) => e);
    if (got instanceof Error)
      checks.push({ path: f.path, ok: false, problem: got.code === 'ENOENT' ? 'missing' : got.message });
    else if (got.bytes !== f.bytes)
      checks.push({ path: f.path, ok: false, problem: `size ${got.bytes}, manifest says ${f.bytes}` });
    else if (got.sha256 !== f.sha256)
      checks.push({ path: f.path, ok: false, problem: 'sha256 differs from the manifest (corrupted)' });
    else checks.push({ path: f.path, ok: true });
  }
  const listed = new Set(backup.manifest.files.map((f) => f.path));
  const dirFiles = await filesUnder(backup.dir).catch(() => [] as string[]);
  for (const extra of dirFiles.filter((p) => p !== 'manifest.json' && !listed.has(p))) {
    checks.push({ path: extra, ok: false, problem: 'not listed in the manifest' });
  }
  return checks;
}
