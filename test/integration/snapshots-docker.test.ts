import { describe, expect, it } from 'vitest';
import { useSnapshotInstance } from '../support/snapshot-suite.js';

/**
 * The docker engine serves snapshots the same way (the work is SQL only): one round trip of
 * snapshot, change, restore and a branch (template copy, then dump/restore past a session), on the offline test image (PostgreSQL 17, so
 * STRATEGY FILE_COPY). Without a daemon this fails: the instance cannot start.
 */
describe('snapshots and branches on the docker engine', () => {
  const si = useSnapshotInstance('docker', 'snapdk');
  const { cli, sql } = si;
  const rows = (db: string) => sql(db, 'SELECT id, v FROM t ORDER BY id');

  it('snapshot -> change -> restore returns the rows; a branch is independent', async () => {
    await sql('vrooli', "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    const before = await rows('vrooli');
    expect((await cli(['snapshot', 'create', 'base'])).code).toBe(0);
    await sql('vrooli', "DELETE FROM t WHERE id = 1; UPDATE t SET v = 'changed'; INSERT INTO t VALUES (3, 'three')");
    expect(await rows('vrooli')).not.toEqual(before);
    const restored = await cli(['snapshot', 'restore', 'base']);
    expect(restored.code).toBe(0);
    expect(await rows('vrooli')).toEqual(before);

    expect((await cli(['content', 'create-database', 'feature', '--from', 'vrooli'])).code).toBe(0);
    await sql('feature', "INSERT INTO t VALUES (9, 'branch')");
    expect(await rows('vrooli')).toEqual(before);
    expect(await rows('feature')).toEqual([...before, { id: 9, v: 'branch' }]);

    // Sessions open on the source, no --force: pg_dump | pg_restore through the container's clients.
    const held = await si.holdSession('vrooli');
    try {
      const dumped = await cli(['content', 'create-database', 'feature2', '--from', 'vrooli']);
      expect(dumped.stderr).toMatch(/pg_dump \| pg_restore/);
      expect(dumped.code).toBe(0);
      expect(await held.alive()).toBe(true);
      expect(await rows('feature2')).toEqual(before);
    } finally {
      await held.end();
    }
  });
});
