import { describe, expect, it } from 'vitest';
import { baseBackupList } from '../../src/engines/native/data-archive.js';
import { instanceKey, serverUserCandidates, serverUserMarker } from '../../src/engines/native/server-user-name.js';

describe('serverUserCandidates', () => {
  it('prefers rp-<instance>, then adds a hash of home and instance', () => {
    const [plain, hashed] = serverUserCandidates('/srv/home', 'main');
    expect(plain).toBe('rp-main');
    expect(hashed).toBe(`rp-main-${instanceKey('/srv/home', 'main', 8)}`);
  });
  it('differs between homes only in the hashed name', () => {
    const a = serverUserCandidates('/a', 'main');
    const b = serverUserCandidates('/b', 'main');
    expect(a[0]).toBe(b[0]);
    expect(a[1]).not.toBe(b[1]);
    expect(serverUserMarker('/a', 'main')).not.toBe(serverUserMarker('/b', 'main'));
  });
  it('stays within 32 portable characters whatever the instance name', () => {
    for (const name of ['x', 'App_1', 'A'.repeat(50), 'a-'.repeat(25), '9lives', `${'b'.repeat(29)}`]) {
      const names = serverUserCandidates('/h', name);
      for (const n of names) {
        expect(n.length).toBeLessThanOrEqual(32);
        expect(n).toMatch(/^rp-[a-z0-9_-]+$/);
        expect(n).not.toMatch(/--/);
      }
      expect(names.at(-1)).toMatch(/-[0-9a-f]{8}$/);
    }
    expect(serverUserCandidates('/h', 'b'.repeat(30))).toHaveLength(1);
  });
  it('the marker names the instance and fits a passwd comment field', () => {
    const marker = serverUserMarker('/h', 'main');
    expect(marker).toMatch(/^resource-postgres main [0-9a-f]{12}$/);
    expect(marker).not.toMatch(/[:,\n]/);
  });
});

describe('baseBackupList', () => {
  it("keeps find's order, drops what a base backup leaves out, and nothing inside an excluded directory", () => {
    const find = [
      'f PG_VERSION',
      'f postmaster.pid',
      'd base',
      'd base/pgsql_tmp',
      'f base/pgsql_tmp/pgsql_tmp1.0',
      'd base/1',
      'f base/1/1259',
      'd pg_wal',
      'f pg_wal/000000010000000000000001',
      'l leak',
    ]
      .map((r) => `${r}\0`)
      .join('');
    expect(baseBackupList(find)).toEqual(['./PG_VERSION', './base', './base/1', './base/1/1259', './pg_wal', './leak']);
  });
});
