import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { findPgbouncer } from '../../src/engines/native/pooler/process.js';
import { rootOnly } from '../support/isolation.js';

/** PgBouncer is found on PATH; missing, the error names the package to install. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rp-pgbouncer-bin-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

it('names the package when no pgbouncer is on PATH', async () => {
  const err = await findPgbouncer({ PATH: join(dir, 'none') }, []).catch((e: unknown) => e);
  expect(err).toMatchObject({ kind: 'engine', message: expect.stringMatching(/PgBouncer is not installed/) });
  expect((err as { hint: string }).hint).toMatch(/apt-get install pgbouncer/);
});

it('takes the first executable pgbouncer on PATH', async () => {
  await writeFile(join(dir, 'pgbouncer'), '#!/bin/sh\n');
  await chmod(dir, 0o755);
  await chmod(join(dir, 'pgbouncer'), 0o755);
  // As root the directory must also be trusted: ours, 0755, under the sticky /tmp is.
  expect(await findPgbouncer({ PATH: dir }, [])).toBe(join(dir, 'pgbouncer'));
});

it.runIf(rootOnly('pgbouncer trust check'))('refuses, as root, a pgbouncer that others could replace', async () => {
  await writeFile(join(dir, 'pgbouncer'), '#!/bin/sh\n');
  await chmod(join(dir, 'pgbouncer'), 0o777);
  await expect(findPgbouncer({ PATH: dir }, [])).rejects.toThrow(/writable by group or others/);
});
