import { describe, expect, it } from 'vitest';
import {
  layoutOf,
  pathHash,
  RELOCATION_ROOT,
  relocatedDataDir,
  socketDirFor,
} from '../../src/engines/native/layout.js';

describe('layoutOf', () => {
  it('keeps everything under <home>/<name> by default', () => {
    expect(layoutOf('/h', { name: 'main', port: 5433 })).toEqual({
      root: '/h/main',
      confDir: '/h/main/server-conf',
      data: '/h/main/data',
      logs: '/h/main/logs',
      logFile: '/h/main/logs/postgresql.log',
      socketDir: '/h/main/run',
      relocatedRoot: undefined,
    });
  });
  it('puts logs and run beside a relocated data directory', () => {
    const dataDir = relocatedDataDir('/root/x', 'main');
    expect(dataDir).toBe(`${RELOCATION_ROOT}/${pathHash('/root/x')}/main/data`);
    const l = layoutOf('/root/x', { name: 'main', port: 5433, dataDir });
    expect(l.relocatedRoot).toBe(`${RELOCATION_ROOT}/${pathHash('/root/x')}/main`);
    expect(l.logFile).toBe(`${l.relocatedRoot}/logs/postgresql.log`);
    expect(l.socketDir).toBe(`${l.relocatedRoot}/run`);
    // The server's configuration sits beside its data, in the root-owned instance directory.
    expect(l.confDir).toBe(`${l.relocatedRoot}/server-conf`);
  });
  it('never treats the parent of a hand-chosen data directory as removable', () => {
    expect(layoutOf('/h', { name: 'main', port: 5433, dataDir: '/srv/pg/main' }).relocatedRoot).toBeUndefined();
  });
  it('gives different homes different relocation directories', () => {
    expect(relocatedDataDir('/root/a', 'main')).not.toBe(relocatedDataDir('/root/b', 'main'));
  });
});

describe('socketDirFor', () => {
  it('uses the run directory when the socket path fits', () => {
    expect(socketDirFor('/h/main/run', '/h', 'main', 5433)).toBe('/h/main/run');
  });
  it('falls back to a short private /tmp directory when sun_path would overflow or the path cannot be listed', () => {
    const long = `/${'x'.repeat(90)}/main/run`;
    const dir = socketDirFor(long, '/h', 'main', 5433);
    expect(dir).toMatch(/^\/tmp\/resource-postgres-[0-9a-f]{16}$/);
    expect(socketDirFor('/h,o/main/run', '/h,o', 'main', 5433)).toMatch(/^\/tmp\//);
    expect(socketDirFor(long, '/h', 'other', 5433)).not.toBe(dir);
  });
});
