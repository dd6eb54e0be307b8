import type { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import type { ClientIo, ClientProgram, Engine } from '../../src/engines/engine.js';

// No server: staging and the exported snapshot are stand-ins; only the pipe between pg_dump and pg_restore is real.
vi.mock('../../src/postgres/backup/restore-target.js', () => ({
  STAGING_PREFIX: 'rp_restore_',
  createStaging: async () => {},
  dropIfExists: async () => {},
  swapIn: async () => {},
}));
vi.mock('../../src/postgres/backup/catalog.js', () => ({
  withExportedSnapshot: (_i: unknown, _d: unknown, fn: (s: string, c: []) => Promise<unknown>) => fn('snap-1', []),
}));

const { copyOneDatabase } = await import('../../src/commands/manage/branch-db-copy.js');

const instance = { name: 'src' } as unknown as Instance;
const db = { name: 'app' } as never;

describe('copyOneDatabase when pg_restore cannot run', () => {
  it('stops pg_dump (no wait on a full pipe) and fails with the restore error, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    let dumpAborted = false;
    const engine = {
      runClient: async (_i: Instance, program: ClientProgram, _a: string[], io: ClientIo) => {
        if (program === 'pg_restore') throw new Error('pg_restore could not start');
        // pg_dump: fills the pipe, then runs until it is stopped.
        (io.stdout as PassThrough).write(Buffer.alloc(1 << 20));
        await new Promise<void>((resolve) => io.signal!.addEventListener('abort', () => resolve(), { once: true }));
        dumpAborted = true;
        return { exitCode: 1, stderr: 'aborted' };
      },
    } as unknown as Engine;
    try {
      await expect(copyOneDatabase(engine, instance, instance, db, [], new AbortController().signal)).rejects.toThrow(
        /pg_restore could not start/,
      );
      await new Promise((r) => setTimeout(r, 20));
      expect(dumpAborted).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 5_000);
});
