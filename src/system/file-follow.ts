import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * A new file (0600, never an existing one) that another process writes through the
 * descriptor it is handed, hashed and counted as it grows: the bytes go from that process to
 * the file with no copy through node, and the hash reads them back from the page cache on
 * the side, overlapping the writing, in one pass. For bulk archives (a physical backup's tar);
 * file-sink.ts is the stream-fed kind.
 */
export interface FollowedFile {
  /** The descriptor to hand the writer (its standard output). */
  readonly fd: number;
  bytes(): number;
  /** Call once the writer is done (or failed): hashes the rest and closes. */
  close(): Promise<{ bytes: number; sha256: string }>;
}

const CHUNK = 1 << 20;
/** How long the hasher waits when it has caught up with the writer. */
const CAUGHT_UP_MS = 5;

export async function followFile(path: string): Promise<FollowedFile> {
  const fd = openSync(path, 'wx', 0o600);
  let reader;
  try {
    reader = await open(path, 'r');
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const hash = createHash('sha256');
  let bytes = 0;
  let writerDone = false;
  let wake: (() => void) | undefined;
  const hashing = (async () => {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      // Sampled before the read: a read that then finds nothing new after the writer ended is the end.
      const ended = writerDone;
      const { bytesRead } = await reader.read(buf, 0, CHUNK, bytes);
      if (bytesRead > 0) {
        hash.update(buf.subarray(0, bytesRead));
        bytes += bytesRead;
      } else if (ended) return;
      else await new Promise<void>((done) => setTimeout((wake = done), CAUGHT_UP_MS));
    }
  })();
  hashing.catch(() => {}); // surfaced by close()
  return {
    fd,
    bytes: () => bytes,
    async close() {
      writerDone = true;
      wake?.();
      try {
        await hashing;
        return { bytes, sha256: hash.digest('hex') };
      } finally {
        closeSync(fd);
        await reader.close();
      }
    },
  };
}
