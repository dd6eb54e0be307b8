import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { neverStarted, singleFileTar } from '../../src/engines/docker/password-file.js';

/** The archive the docker engine copies into a container: real tar must read it exactly. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rp-tar-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('singleFileTar', () => {
  it.each([
    ['short', 'pw'],
    ['exactly one block', 'x'.repeat(512)],
    ['past a block', 'Aa0-_'.repeat(150)],
  ])('tar extracts %s content, name and mode exactly', async (_what, content) => {
    await writeFile(join(dir, 'a.tar'), singleFileTar('.resource-postgres-password', content, 0o440));
    await promisify(execFile)('tar', ['-xpf', 'a.tar'], { cwd: dir });
    expect(await readFile(join(dir, '.resource-postgres-password'), 'utf8')).toBe(content);
    expect((await stat(join(dir, '.resource-postgres-password'))).mode & 0o777).toBe(0o440);
  });
});

describe('neverStarted', () => {
  it.each([
    ['a created container (docker zero time)', '0001-01-01T00:00:00Z', true],
    ['no StartedAt at all', undefined, true],
    ['a container that has run', '2026-12-01T08:31:39.67644176Z', false],
  ])('%s', (_what, startedAt, expected) => {
    expect(neverStarted({ State: { StartedAt: startedAt } })).toBe(expected);
  });
});
