import type Dockerode from 'dockerode';
import { CliError } from '../../core/errors.js';
import type { Progress } from '../engine.js';
import { daemonMessage, statusOf, toEngineError } from './docker-errors.js';

export const PULL_HINT =
  'load it with docker load / build it locally, or pick another with --image or RESOURCE_POSTGRES_IMAGE';

interface PullEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** Summarises layer events as "3/7 layers, 45/120 MB"; at most one message per interval. */
export function pullReporter(image: string, progress: Progress, intervalMs = 1_000, now: () => number = Date.now) {
  const layers = new Map<string, { current: number; total: number; done: boolean }>();
  let last = -Infinity;
  return (event: PullEvent): void => {
    if (event.id && event.status) {
      const layer = layers.get(event.id) ?? { current: 0, total: 0, done: false };
      if (event.progressDetail?.total) layer.total = event.progressDetail.total;
      if (event.progressDetail?.current && event.status === 'Downloading') layer.current = event.progressDetail.current;
      if (/complete|already exists/i.test(event.status)) layer.done = true;
      layers.set(event.id, layer);
    }
    if (now() - last < intervalMs) return;
    last = now();
    const all = [...layers.values()];
    const mb = (n: number) => Math.round(n / 1024 / 1024);
    const bytes = all.reduce((a, l) => ({ cur: a.cur + (l.done ? l.total : l.current), tot: a.tot + l.total }), {
      cur: 0,
      tot: 0,
    });
    const sizes = bytes.tot ? `, ${mb(bytes.cur)}/${mb(bytes.tot)} MB` : '';
    progress(`pulling ${image}: ${all.filter((l) => l.done).length}/${all.length} layers${sizes}`);
  };
}

function pullError(image: string, reason: string, cause?: unknown): CliError {
  return new CliError('engine', `cannot pull image ${image}: ${reason}`, { hint: PULL_HINT, cause });
}

/** Is the image in the daemon's store? 404 is the only "no"; other failures surface. */
export async function hasImage(docker: Dockerode, image: string, address: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (e) {
    if (statusOf(e) === 404) return false;
    throw toEngineError(e, `inspect image ${image}`, address);
  }
}

/**
 * Pulls the image and follows the stream to its end. A registry failure can come as the
 * HTTP status (no network: 500 before any byte) or as an `error` event inside the stream.
 */
export async function pullImage(docker: Dockerode, image: string, progress: Progress, address: string): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image);
  } catch (e) {
    if (statusOf(e) !== undefined) throw pullError(image, daemonMessage(e), e);
    throw toEngineError(e, `pull ${image}`, address);
  }
  const report = pullReporter(image, progress);
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: unknown) => (err ? reject(pullError(image, daemonMessage(err), err)) : resolve()),
      (event: PullEvent) => {
        if (event.error || event.errorDetail?.message) failure ??= event.errorDetail?.message ?? event.error;
        else report(event);
      },
    );
  });
  if (failure) throw pullError(image, failure);
  progress(`pulled ${image}`);
}
