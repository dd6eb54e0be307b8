import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../../src/commands/export/write-files.js';

let root: string;
const files = [
  { name: 'cluster.yaml', text: 'kind: Cluster\n' },
  { name: 'secret.yaml', text: 'password: s3cret\n' },
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rp-export-files-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function outWith(name: string, existing: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { mode: 0o700 });
  for (const [file, text] of Object.entries(existing)) await writeFile(join(dir, file), text, { mode: 0o644 });
  return dir;
}

describe('--out DIR', () => {
  it('refuses a file already there, naming it, and writes none of the files', async () => {
    const dir = await outWith('taken', { 'secret.yaml': 'mine\n' });
    await expect(writeFiles(dir, files)).rejects.toMatchObject({
      kind: 'refused',
      exitCode: 1,
      message: `--out ${dir} already holds secret.yaml: remove it or choose another --out`,
    });
    expect(await readdir(dir)).toEqual(['secret.yaml']);
    expect(await readFile(join(dir, 'secret.yaml'), 'utf8')).toBe('mine\n');
  });
  it('with --force replaces them with new 0600 files and leaves no temporary file', async () => {
    const dir = await outWith('forced', { 'secret.yaml': 'mine\n' });
    expect(await writeFiles(dir, files, { force: true })).toEqual(files.map((f) => join(dir, f.name)));
    expect((await readdir(dir)).sort()).toEqual(['cluster.yaml', 'secret.yaml']);
    expect(await readFile(join(dir, 'secret.yaml'), 'utf8')).toBe('password: s3cret\n');
    expect((await lstat(join(dir, 'secret.yaml'))).mode & 0o777).toBe(0o600);
  });
  it("with --force replaces a link planted in a file's place, never writing through it", async () => {
    const dir = await outWith('linked', {});
    const victim = join(root, 'victim');
    await writeFile(victim, 'untouched\n');
    await symlink(victim, join(dir, 'secret.yaml'));
    await expect(writeFiles(dir, files)).rejects.toThrow(/already holds secret\.yaml/);
    await writeFiles(dir, files, { force: true });
    expect(await readFile(victim, 'utf8')).toBe('untouched\n');
    expect((await lstat(join(dir, 'secret.yaml'))).isFile()).toBe(true);
    await expect(readlink(join(dir, 'secret.yaml'))).rejects.toThrow(/EINVAL/);
  });
});
