import { Readable } from 'node:stream';

/** Blank: spaces, tabs, line breaks, form feeds. */
const BLANK = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

const isBlank = (chunk: Buffer | string): boolean => {
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  return bytes.every((b) => BLANK.has(b));
};

/**
 * Standard input, or undefined when it holds no SQL at all (empty, or only blank space): a
 * caller that forgot the SQL gets told so instead of a silent success. Reads only until
 * the first non-blank chunk, then hands back a stream that replays what was read followed
 * by the rest, untouched (bytes stay bytes, so the SQL reader decides their encoding).
 */
export async function stdinWithSql(stdin: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream | undefined> {
  const chunks = (stdin as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const seen: Array<Buffer | string> = [];
  for (;;) {
    const next = await chunks.next();
    if (next.done) return undefined;
    seen.push(next.value);
    if (!isBlank(next.value)) break;
  }
  async function* replay(): AsyncGenerator<Buffer | string> {
    yield* seen;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  return Readable.from(replay(), { objectMode: false });
}
