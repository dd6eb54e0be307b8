import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A file written from a stream, hashed and counted on the way (one pass over the data, not
 * a second read), with a byte counter for progress. close() ends it and waits for the disk.
 */
export interface FileSink {
  readonly stream: NodeJS.WritableStream;
  bytes(): number;
  close(): Promise<{ bytes: number; sha256: string }>;
}

export function openSink(path: string): FileSink {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const file = createWriteStream(path, { mode: 0o600, flags: 'wx' });
  const written = pipeline(tap, file);
  written.catch(() => {}); // surfaced by close()
  return {
    stream: tap,
    bytes: () => bytes,
    async close() {
      tap.end();
      await written;
      return { bytes, sha256: hash.digest('hex') };
    },
  };
}

/** sha256 and size of a file on disk (verify re-reads what create recorded). */
export async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Writes a small text file through a sink, for labels and manifests that are listed with checksums. */
export async function writeSmallFile(path: string, text: string): Promise<{ bytes: number; sha256: string }> {
  const sink = openSink(path);
  sink.stream.write(text);
  return sink.close();
}
