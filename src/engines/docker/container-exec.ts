import type Dockerode from 'dockerode';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Runs a program inside a running container with dockerode exec, streaming stdin in and
 * stdout out with backpressure. docker-modem's demuxStream ignores backpressure (a fast
 * pg_dump into a slow disk would buffer the whole dump in memory), so frames are decoded
 * here by a Writable that waits for the destination to drain.
 */
export interface ExecRequest {
  cmd: string[];
  env?: string[];
  user?: string;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

export interface ExecOutcome {
  exitCode: number;
  stderr: string;
  stdout?: string;
}

const STDERR_KEEP = 16 * 1024;

/** A Writable that splits Docker's 8-byte-header frames into stdout and a bounded stderr tail. */
export class FrameDemuxer extends Writable {
  #pending: Buffer = Buffer.alloc(0);
  stderr = '';
  readonly collected: Buffer[] = [];

  constructor(private readonly out?: NodeJS.WritableStream) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    void this.#drainFrames().then(() => done(), done);
  }

  async #drainFrames(): Promise<void> {
    while (this.#pending.length >= 8) {
      const size = this.#pending.readUInt32BE(4);
      if (this.#pending.length < 8 + size) return;
      const type = this.#pending[0];
      const payload = this.#pending.subarray(8, 8 + size);
      this.#pending = this.#pending.subarray(8 + size);
      if (type === 2) {
        this.stderr = (this.stderr + payload.toString('utf8')).slice(-STDERR_KEEP);
      } else if (this.out) {
        if (!this.out.write(payload)) await once(this.out as unknown as NodeJS.EventEmitter, 'drain');
      } else {
        this.collected.push(Buffer.from(payload));
      }
    }
  }
}

export async function execInContainer(container: Dockerode.Container, req: ExecRequest): Promise<ExecOutcome> {
  const exec = await container.exec({
    Cmd: req.cmd,
    Env: req.env,
    User: req.user,
    AttachStdin: Boolean(req.stdin),
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: Boolean(req.stdin) })) as NodeJS.ReadWriteStream & {
    destroy(e?: Error): void;
  };
  const onAbort = () => stream.destroy(new Error('interrupted'));
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const demux = new FrameDemuxer(req.stdout);
  try {
    const feeding = req.stdin
      ? pipeline(req.stdin, stream as unknown as NodeJS.WritableStream, { end: true }).catch(() => {})
      : undefined;
    // The hijacked socket is half-closed after stdin ends (docker then gives the program EOF).
    await pipeline(stream, demux);
    await feeding;
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
  const info = await exec.inspect();
  return {
    exitCode: info.ExitCode ?? -1,
    stderr: demux.stderr,
    stdout: req.stdout ? undefined : Buffer.concat(demux.collected).toString('utf8'),
  };
}
