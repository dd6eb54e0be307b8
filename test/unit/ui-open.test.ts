import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBrowser } from '../../src/ui/open.js';

/**
 * --open hands xdg-open a private redirect file, never the URL: the token would otherwise sit
 * in xdg-open's argv, which every user on the machine can read in ps. A fake xdg-open on PATH
 * records what it was given.
 */
let dir: string;
let savedPath: string | undefined;
const warnings: string[] = [];
const talk = { info: () => {}, progress: () => {}, warn: (m: string) => warnings.push(m) };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rp-ui-open-'));
  savedPath = process.env.PATH;
  warnings.length = 0;
});
afterEach(async () => {
  process.env.PATH = savedPath;
  await rm(dir, { recursive: true, force: true });
});

async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text) return text;
    await sleep(20);
  }
  throw new Error(`${path} never appeared`);
}

describe('--open', () => {
  it('gives xdg-open a 0600 file that redirects to the URL, and removes it at cleanup', async () => {
    const log = join(dir, 'args');
    const fake = join(dir, 'xdg-open');
    await writeFile(
      fake,
      `#!/bin/sh\nstat -c %a "$1" > "${log}.mode"\ncat "$1" > "${log}.file"\necho "$@" > "${log}"\n`,
    );
    await chmod(fake, 0o755);
    process.env.PATH = `${dir}:${savedPath}`;
    const url = 'http://127.0.0.1:8754/?token=SECRET-token&x=1';
    const cleanup = await openBrowser(url, talk);
    const argv = await waitForFile(log);
    expect(argv).not.toContain('SECRET');
    const file = argv.trim();
    expect((await waitForFile(`${log}.mode`)).trim()).toBe('600');
    expect(await waitForFile(`${log}.file`)).toContain('url=http://127.0.0.1:8754/?token=SECRET-token&amp;x=1');
    expect(warnings).toEqual([]);
    await cleanup();
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('warns, and goes on, when there is no xdg-open', async () => {
    process.env.PATH = dir;
    const cleanup = await openBrowser('http://127.0.0.1:1/?token=t', talk);
    expect(warnings.join('\n')).toMatch(
      /could not open a browser \(xdg-open: not installed\); open the URL above yourself/,
    );
    await cleanup();
  });
});
