import pg from 'pg';
import { expect } from 'vitest';
import { runCli } from './cli.js';

/**
 * pgvector working for real in an instance, as an application would use it: a vector(3)
 * column, an HNSW index, and `ORDER BY embedding <-> q LIMIT k` returning the nearest rows,
 * through that index (EXPLAIN with sequential scans off).
 */
export async function checkNearest(home: string, name: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const r = await runCli(['credentials', '--instance', name, '--json', '--show-secrets'], { home, env });
  expect(r.code, r.stderr).toBe(0);
  const c = JSON.parse(r.stdout).connections[0];
  const client = new pg.Client({
    host: '127.0.0.1',
    port: c.connection.port,
    user: c.auth.username,
    password: c.auth.password,
    database: c.connection.database,
  });
  await client.connect();
  try {
    await client.query('CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))');
    const rows: string[] = [];
    for (let i = 1; i <= 200; i++) rows.push(`(${i}, '[${i},${i * 2},${i % 7}]')`);
    await client.query(`INSERT INTO items VALUES ${rows.join(',')}`);
    await client.query('CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops)');
    await client.query('SET enable_seqscan = off');
    const query = "SELECT id FROM items ORDER BY embedding <-> '[50.2,100.1,1]' LIMIT 3";
    const plan = (await client.query(`EXPLAIN ${query}`)).rows.map((p) => String(p['QUERY PLAN'])).join('\n');
    expect(plan).toMatch(/Index Scan using items_hnsw on items/);
    const ids = (await client.query(query)).rows.map((row) => row.id);
    // 50 is nearest ([50,100,1]); then 51 and 49 (each about 2.2 away).
    expect(ids[0]).toBe(50);
    expect(ids.slice(1).sort()).toEqual([49, 51]);
  } finally {
    await client.end();
  }
}
