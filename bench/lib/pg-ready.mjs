// "Ready" for every contender is the same thing: an authenticated SELECT 1 over TCP succeeds.
import pg from 'pg';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One authenticated query; resolves true/false, never throws. */
export async function queryOnce(conn) {
  const client = new pg.Client({ ...conn, host: '127.0.0.1', connectionTimeoutMillis: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Polls every intervalMs until the query succeeds; throws after timeoutMs. */
export async function waitForQuery(conn, { intervalMs = 10, timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await queryOnce(conn)) return;
    await sleep(intervalMs);
  }
  throw new Error(`no authenticated SELECT 1 on 127.0.0.1:${conn.port} within ${timeoutMs} ms`);
}
