import { describe, expect, it } from 'vitest';
import { parsePasswdLine, serverEnv } from '../../src/engines/native/run-as.js';

describe('parsePasswdLine', () => {
  it('reads uid, gid, home and the comment (our marker)', () => {
    expect(parsePasswdLine('postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n')).toEqual({
      name: 'postgres',
      uid: 101,
      gid: 104,
      home: '/var/lib/postgresql',
      comment: 'PostgreSQL administrator,,,',
    });
    expect(parsePasswdLine('broken')).toBeUndefined();
  });
});

describe('serverEnv', () => {
  it('passes a clean environment: no password, data dir or port from the caller', () => {
    const env = serverEnv(
      { name: 'postgres', uid: 101, gid: 104, home: '/var/lib/postgresql' },
      { PATH: '/bin', PGPASSWORD: 'x', PGDATA: '/d', PGPORT: '1', HOME: '/root' },
    );
    expect(env).toEqual({ PATH: '/bin', HOME: '/var/lib/postgresql', USER: 'postgres', LOGNAME: 'postgres' });
  });
});
