import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineTime, readServerLog, sinceFilter, tailLines } from '../../src/engines/native/server-log.js';

let dir: string;
let log: string;
const LINES = [
  '2025-01-31 10:00:00.000 UTC [1] LOG:  starting PostgreSQL 16.14',
  '2025-01-31 10:00:01.500 UTC [1] LOG:  database system is ready to accept connections',
  '2025-01-31 11:00:00.000 UTC [9] ERROR:  relation "x" does not exist',
  '\tDETAIL:  something',
  'pg_ctl: another line without a prefix',
  '2025-01-31 12:00:00.000 UTC [1] LOG:  received fast shutdown request',
];

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'native-log-'));
  log = join(dir, 'postgresql.log');
  await writeFile(log, LINES.join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lineTime and sinceFilter', () => {
  it('reads the %m prefix as UTC', () => {
    expect(lineTime(LINES[1]!)?.toISOString()).toBe('2025-01-31T10:00:01.500Z');
    expect(lineTime(LINES[3]!)).toBeUndefined();
  });
  it('keeps continuation lines with the line they belong to', () => {
    const keep = sinceFilter(new Date('2025-01-31T10:30:00Z'));
    expect(LINES.filter(keep)).toEqual(LINES.slice(2));
  });
});

describe('readServerLog', () => {
  it('gives the last N lines', async () => {
    expect(await collect(readServerLog(log, { tail: 2 }))).toEqual(LINES.slice(-2));
    expect(await collect(readServerLog(log, { tail: 0 }))).toEqual(LINES);
  });
  it('tails a file bigger than one read chunk', async () => {
    const big = join(dir, 'big.log');
    const many = Array.from(
      { length: 5000 },
      (_, i) => `2025-01-31 10:00:00.000 UTC [1] LOG:  line ${i} ${'x'.repeat(40)}`,
    );
    await writeFile(big, many.join('\n') + '\n');
    expect(await tailLines(big, 3000, Buffer.byteLength(many.join('\n') + '\n'))).toEqual(many.slice(-3000));
  });
  it('filters by --since, then tails', async () => {
    expect(await collect(readServerLog(log, { since: new Date('2025-01-31T10:30:00Z'), tail: 0 }))).toEqual(
      LINES.slice(2),
    );
    expect(await collect(readServerLog(log, { since: new Date('2025-01-31T10:30:00Z'), tail: 1 }))).toEqual(
      LINES.slice(-1),
    );
  });
  it('is a not-found error when there is no log', async () => {
    await expect(collect(readServerLog(join(dir, 'none.log'), {}))).rejects.toMatchObject({ kind: 'not-found' });
  });
  it('follows appended lines until aborted', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const l of readServerLog(log, { tail: 1, follow: true, signal: ac.signal }, 20)) {
        seen.push(l);
        if (seen.length === 3) ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 60));
    await appendFile(log, 'new one\nnew ');
    await new Promise((r) => setTimeout(r, 60));
    await appendFile(log, 'two\n');
    await done;
    expect(seen).toEqual([LINES.at(-1), 'new one', 'new two']);
  });
});
