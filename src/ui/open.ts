import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Talk } from '../context.js';

/**
 * --open: asks the desktop (xdg-open) to open the console. The token never goes into
 * xdg-open's argv, where every user's `ps` would see it: like Jupyter, a private file
 * (0600 in a 0700 directory) redirects to the URL, and xdg-open gets the file's path.
 * Returns what to call at shutdown to remove the file.
 */
export async function openBrowser(url: string, talk: Talk): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'resource-postgres-ui-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const file = join(dir, 'open.html');
  const href = url.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  await writeFile(
    file,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${href}"><title>resource-postgres console</title><a href="${href}">open the console</a>\n`,
    { mode: 0o600 },
  );
  await new Promise<void>((resolve) => {
    const child = spawn('xdg-open', [file], { stdio: 'ignore', detached: true });
    child.once('error', (e: NodeJS.ErrnoException) => {
      talk.warn(
        `could not open a browser (xdg-open: ${e.code === 'ENOENT' ? 'not installed' : e.message}); open the URL above yourself`,
      );
      resolve();
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
  return cleanup;
}
