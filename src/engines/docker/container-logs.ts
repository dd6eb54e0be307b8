import type Dockerode from 'dockerode';
import { DEFAULTS } from '../../core/defaults.js';
import type { CliError } from '../../core/errors.js';
import type { LogOptions } from '../engine.js';
import { statusOf } from './docker-errors.js';
import { LogFrameDecoder } from './log-frames.js';

type Fail = (e: unknown, what: string) => CliError;

/**
 * A container's log as lines, oldest first. Without follow, one bounded read; with follow,
 * a stream that ends when the container stops or the signal aborts. 404 (removed between
 * lookup and read) yields nothing, like a container that never existed.
 */
export async function* containerLogLines(
  container: Dockerode.Container,
  opts: LogOptions,
  label: string,
  fail: Fail,
): AsyncGenerator<string> {
  const tail = opts.tail ?? DEFAULTS.logTail;
  const params = {
    stdout: true,
    stderr: true,
    ...(tail > 0 ? { tail } : {}), // no tail parameter means the whole log
    ...(opts.since ? { since: Math.floor(opts.since.getTime() / 1000) } : {}),
  };
  const notFound = (e: unknown): undefined => {
    if (statusOf(e) === 404) return undefined;
    throw fail(e, `read the log of ${label}`);
  };
  const decoder = new LogFrameDecoder();
  const signal = opts.signal;
  if (!opts.follow || signal?.aborted) {
    const buffer = await container.logs({ ...params, follow: false }).catch(notFound);
    if (buffer) yield* decoder.push(Buffer.from(buffer));
    yield* decoder.flush();
    return;
  }
  const stream = await container
    .logs({ ...params, follow: true, ...(signal ? { abortSignal: signal } : {}) })
    .catch(notFound);
  if (!stream) return;
  // dockerode aborts the request on the signal; destroying the stream as well makes sure the
  // loop below ends even when the abort lands between chunks.
  const stop = () => (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream) yield* decoder.push(Buffer.from(chunk as Buffer));
  } catch (e) {
    if (!signal?.aborted) throw fail(e, `follow the log of ${label}`);
  } finally {
    signal?.removeEventListener('abort', stop);
    stop();
  }
  yield* decoder.flush();
}
