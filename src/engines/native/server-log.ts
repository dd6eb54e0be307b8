import { lstat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULTS } from '../../core/defaults.js';
import { notFound } from '../../core/errors.js';
import type { LogOptions } from '../engine.js';
import { openRegularNoFollow } from './safe-fs.js';

/**
 * The server log written through pg_ctl -l: tail, --since and --follow. Memory stays
 * bounded: tail reads backwards from the end, since streams forward keeping the last N.
 * The log's directory is the server user's: the file is opened without following links, and
 * anything but a regular file (a FIFO, a device) reads as empty.
 */

/** "2025-01-31 12:00:00.123 UTC [42] LOG: ..." -> that instant; undefined for lines without the prefix. */
export function lineTime(line: string): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) (UTC|GMT)\b/.exec(line);
  return m ? new Date(`${m[1]}T${m[2]}Z`) : undefined;
}

/** Keeps lines at or after `since`; a line without a timestamp (DETAIL, pg_ctl talk) follows the one before it. */
export function sinceFilter(since: Date | undefined): (line: string) => boolean {
  let keep = since === undefined;
  return (line) => {
    const t = lineTime(line);
    if (since && t) keep = t.getTime() >= since.getTime();
    return keep;
  };
}

const CHUNK = 64 * 1024;

async function readRange(path: string, start: number, end: number): Promise<string> {
  const opened = await openRegularNoFollow(path);
  if (!opened) return '';
  try {
    const buf = Buffer.alloc(Math.max(0, end - start));
    const { bytesRead } = await opened.fh.read(buf, 0, buf.length, start);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await opened.fh.close();
  }
}

/** The last n complete lines of the file's first `size` bytes (n = 0: all). */
export async function tailLines(path: string, n: number, size: number): Promise<string[]> {
  let start = size;
  for (;;) {
    start = n === 0 ? 0 : Math.max(0, start - CHUNK);
    const text = await readRange(path, start, size);
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (start === 0) return n === 0 ? lines : lines.slice(-n);
    // The first line may be cut; it counts only once we have more than n after it.
    if (lines.length > n) return lines.slice(-n);
  }
}

/** Lines of the first `size` bytes that pass `keep`, the last n of them (n = 0: all), streamed. */
async function filteredLines(
  path: string,
  size: number,
  keep: (line: string) => boolean,
  n: number,
): Promise<string[]> {
  const out: string[] = [];
  if (size === 0) return out;
  const opened = await openRegularNoFollow(path);
  if (!opened) return out;
  try {
    const input = opened.fh.createReadStream({ start: 0, end: size - 1, autoClose: false });
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (!keep(line)) continue;
      out.push(line);
      if (n > 0 && out.length > n) out.shift();
    }
  } finally {
    await opened.fh.close();
  }
  return out;
}

async function fileSize(path: string): Promise<number | undefined> {
  return lstat(path).then(
    (s) => (s.isFile() ? s.size : undefined),
    () => undefined,
  );
}

export async function* readServerLog(path: string, opts: LogOptions, pollMs = 250): AsyncGenerator<string> {
  const tail = opts.tail ?? DEFAULTS.logTail;
  const keep = sinceFilter(opts.since);
  let size = await fileSize(path);
  if (size === undefined && !opts.follow)
    throw notFound(`no server log yet at ${path}`, 'start the instance first: resource-postgres manage start');
  let offset = size ?? 0;
  if (size !== undefined) {
    yield* opts.since ? await filteredLines(path, size, keep, tail) : await tailLines(path, tail, size);
  }
  if (!opts.follow) return;
  let partial = '';
  while (!opts.signal?.aborted) {
    try {
      await sleep(pollMs, undefined, { signal: opts.signal });
    } catch {
      return; // aborted
    }
    size = await fileSize(path);
    if (size === undefined) continue;
    if (size < offset) offset = 0; // truncated or replaced: start over
    if (size === offset) continue;
    const text = partial + (await readRange(path, offset, size));
    offset = size;
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (keep(line)) yield line;
  }
}
