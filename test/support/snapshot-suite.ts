import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { type CliRun, destroyHome, runCli, tempHome, TEST_IMAGE } from './cli.js';

/**
 * One instance for the snapshot suites, started with the production app role (owner), so the
 * program works as its superuser while the databases belong to the application's role; plus
 * idle sessions held open the way an application holds them.
 */
export interface SnapshotInstance {
  home: string;
  cli: (args: string[]) => Promise<CliRun>;
  /** Query as the application (credentials --show-secrets) on a fresh connection. */
  sql: (database: string, text: string) => Promise<Array<Record<string, unknown>>>;
  /** An idle application session on `database`; `alive()` says whether the server still serves it. */
  holdSession: (database: string) => Promise<{ alive: () => Promise<boolean>; end: () => Promise<void> }>;
  /** Names of the instance's databases (content list). */
  databases: () => Promise<string[]>;
}

export function useSnapshotInstance(engine: 'native' | 'docker', instance: string): SnapshotInstance {
  const conn = async () => {
    const r = await runCli(['credentials', '--instance', instance, '--json', '--show-secrets'], { home: si.home });
    const c = JSON.parse(r.stdout).connections[0];
    return { host: '127.0.0.1', port: c.connection.port, user: c.auth.username, password: c.auth.password };
  };
  const open = async (database: string) => {
    const client = new pg.Client({ ...(await conn()), database });
    client.on('error', () => {});
    await client.connect();
    return client;
  };
  const si: SnapshotInstance = {
    home: '',
    cli: (args) => runCli([...args, '--instance', instance], { home: si.home }),
    sql: async (database, text) => {
      const client = await open(database);
      try {
        return (await client.query(text)).rows;
      } finally {
        await client.end();
      }
    },
    holdSession: async (database) => {
      const client = await open(database);
      return {
        alive: () =>
          client.query('SELECT 1').then(
            () => true,
            () => false,
          ),
        end: () => client.end().catch(() => {}),
      };
    },
    databases: async () => {
      const r = await si.cli(['content', 'list', '--json']);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout).databases as Array<{ name: string }>).map((d) => d.name).sort();
    },
  };
  beforeAll(async () => {
    si.home = await tempHome(`rp-snap-${engine}-`);
    const start = await runCli(
      [
        'manage',
        'start',
        '--instance',
        instance,
        '--engine',
        engine,
        '--template',
        'testing',
        '--app-role',
        'owner',
        ...(engine === 'docker' ? ['--image', TEST_IMAGE] : []),
      ],
      { home: si.home },
    );
    expect(start.stderr + start.stdout).toMatch(/accepting queries|running/);
    expect(start.code).toBe(0);
  });
  afterAll(async () => {
    await destroyHome(si.home);
  });
  return si;
}
