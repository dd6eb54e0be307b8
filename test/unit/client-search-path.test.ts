import { describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { clientConfig, PINNED_SEARCH_PATH } from '../../src/postgres/client.js';
import { countRows } from '../../src/postgres/backup/catalog.js';

// An app role that owns its database can ALTER DATABASE ... SET search_path and plant a
// count(*) the superuser would call: admin connections must pin the path at startup.
const instance = {
  name: 'x',
  host: '127.0.0.1',
  port: 5432,
  user: 'app',
  password: new Secret('app-password-app-password'),
  database: 'app',
  admin: { user: 'postgres', password: new Secret('admin-password-admin-pass') },
} as unknown as Instance;

describe('admin connections pin search_path', () => {
  it('the superuser gets pg_catalog,pg_temp as a startup option', () => {
    const c = clientConfig(instance, { database: 'app' });
    expect(c.user).toBe('postgres');
    expect(c.options).toBe(PINNED_SEARCH_PATH);
    expect(PINNED_SEARCH_PATH).toBe('-c search_path=pg_catalog,pg_temp');
  });

  it('the app role (running the user SQL) and CREATE EXTENSION keep the database path', () => {
    expect(clientConfig(instance, { asApp: true }).options).toBeUndefined();
    expect(clientConfig(instance, { userSearchPath: true }).options).toBeUndefined();
  });

  it('row counts name pg_catalog.count, never a bare count', async () => {
    const seen: string[] = [];
    const client = {
      query: async <R>(text: string) => {
        seen.push(text);
        const rows = text.includes('pg_class') ? [{ schema: 'public', name: 't' }] : [{ n: '3' }];
        return { rows: rows as R[] };
      },
    };
    expect(await countRows(client)).toEqual([{ table: 'public.t', rows: 3 }]);
    expect(seen[1]).toContain('pg_catalog.count(*)');
  });
});
