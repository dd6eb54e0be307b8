import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';

/**
 * COPY ... FROM stdin and TO STDOUT through pg-copy-streams, for the program's own COPYs
 * (the self-test's round trip): the data never has to fit in memory. Scripts do not come
 * here: their COPY mode is the server's answer to each statement (statement.ts).
 */
export async function copyIn(client: Client, text: string, data: AsyncIterable<string>): Promise<number> {
  const { from } = await import('pg-copy-streams');
  const stream = client.query(from(text));
  await pipeline(Readable.from(data, { objectMode: false }), stream);
  return stream.rowCount;
}

/** Yields the output in pieces that end on a row boundary (newline), then reports the count. */
export async function* copyOut(client: Client, text: string, onCount: (rows: number) => void): AsyncGenerator<string> {
  const { to } = await import('pg-copy-streams');
  const stream = client.query(to(text));
  stream.setEncoding('utf8');
  let partial = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const data = partial + chunk;
    const cut = data.lastIndexOf('\n') + 1;
    partial = data.slice(cut);
    if (cut > 0) yield data.slice(0, cut);
  }
  if (partial) yield partial;
  onCount(stream.rowCount);
}
