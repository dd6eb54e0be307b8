import Dockerode from 'dockerode';
import { pipeline } from 'node:stream/promises';
import { LABEL_PREFIX } from '../../core/defaults.js';
import { parseToolVersion, toolSuits } from '../../core/pg-version.js';
import type { ClientIo, ClientProgram, ClientResult, ClientToolsCheck, ImageClientRunner } from '../engine.js';
import { FrameDemuxer } from './container-exec.js';

/**
 * Client programs from a local image for the native engine (see ImageClientRunner): a one-off
 * container of the image with the program as entrypoint, on the host network (the native
 * server listens on the host's loopback), removed afterwards. The password file the native
 * engine wrote is bind-mounted read-only at the same path; the program runs as root in the
 * container so it can read that 0600 file, and nothing secret is in its environment or argv.
 * Only local images are considered: nothing is pulled.
 */
/** Label of the one-off client containers; its value is the program. */
export const CLIENT_LABEL = `${LABEL_PREFIX}.client`;
const REPOS = ['postgres', 'library/postgres', 'docker.io/library/postgres', 'pgvector/pgvector'];
const PING_TIMEOUT_MS = 2_000;
/** Version probes cost a container each (~0.3 s): a handful is enough. */
const MAX_PROBES = 4;

/** The major a tag promises ("17-alpine" -> 17, "pg16" -> 16), if it says one. */
export function tagMajor(ref: string): number | undefined {
  const colon = ref.lastIndexOf(':');
  const tag = colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : ''; // "host:5000/name" has no tag
  const m = /^(?:pg)?(\d+)/.exec(tag);
  return m ? Number(m[1]) : undefined;
}

/** Local image references worth probing for `serverMajor`: preferred first, then postgres images newest first. */
export function imageCandidates(localTags: string[], preferred: string[], serverMajor: number): string[] {
  const local = new Set(localTags);
  const fits = (ref: string) => (tagMajor(ref) ?? Infinity) >= serverMajor;
  const known = localTags
    .filter((t) => REPOS.includes(t.slice(0, t.lastIndexOf(':'))) && fits(t))
    .sort((a, b) => (tagMajor(b) ?? 999) - (tagMajor(a) ?? 999) || a.localeCompare(b));
  const first = preferred.filter((p) => local.has(p) || local.has(`${p}:latest`));
  return [...new Set([...first, ...known])];
}

export class DockerImageClients implements ImageClientRunner {
  constructor(private readonly docker: Dockerode = new Dockerode()) {}

  async find(serverMajor: number, preferred: string[]): Promise<ClientToolsCheck & { image?: string }> {
    const unusable = (reason: string) => ({
      ok: false as const,
      reason,
      hint: `keep a local postgres:${serverMajor} (or newer) image, or install client programs on the host`,
    });
    try {
      await (this.docker.ping as (opts: { abortSignal: AbortSignal }) => Promise<unknown>)({
        abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS),
      });
    } catch {
      return unusable('no Docker daemon answers, so no image client programs either');
    }
    const tags = (await this.docker.listImages()).flatMap((i) => i.RepoTags ?? []);
    const seen: string[] = [];
    for (const image of imageCandidates(tags, preferred, serverMajor).slice(0, MAX_PROBES)) {
      const res = await this.run(image, 'pg_dump', ['--version'], { env: {}, files: [] }).catch(
        (e: Error): ClientResult => ({ exitCode: -1, stderr: e.message }),
      );
      const v = res.exitCode === 0 ? parseToolVersion(res.stdout ?? '') : undefined;
      if (v && toolSuits(v.major, serverMajor))
        return { ok: true, version: v.version, major: v.major, where: `image ${image} (docker, host network)`, image };
      seen.push(`${image}: ${v ? `pg_dump ${v.version}` : 'no working pg_dump'}`);
    }
    return unusable(
      `no local image has pg_dump ${serverMajor} or newer${seen.length ? ` (${seen.join('; ')})` : ' (no postgres image is present)'}`,
    );
  }

  async run(
    image: string,
    program: ClientProgram,
    args: string[],
    io: ClientIo & { env: Record<string, string>; files: string[] },
  ): Promise<ClientResult> {
    const container = await this.docker.createContainer({
      Image: image,
      Entrypoint: [program],
      Cmd: args,
      Env: Object.entries(io.env).map(([k, v]) => `${k}=${v}`),
      User: '0:0',
      AttachStdin: Boolean(io.stdin),
      OpenStdin: Boolean(io.stdin),
      StdinOnce: Boolean(io.stdin),
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      // Says what the container is (not an instance: no managed/instance labels) to `docker ps`.
      Labels: { [CLIENT_LABEL]: program },
      HostConfig: { NetworkMode: 'host', Binds: io.files.map((f) => `${f}:${f}:ro`) },
    });
    const onAbort = () => void container.remove({ force: true, v: true }).catch(() => {});
    io.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const stream = (await container.attach({
        stream: true,
        stdin: Boolean(io.stdin),
        stdout: true,
        stderr: true,
        hijack: true,
      })) as NodeJS.ReadWriteStream;
      await container.start();
      return await pump(container, stream, io);
    } finally {
      io.signal?.removeEventListener('abort', onAbort);
      await container.remove({ force: true, v: true }).catch(() => {});
    }
  }
}

/** Feeds stdin, demultiplexes stdout (with backpressure) and stderr, and waits for the exit code. */
async function pump(
  container: Dockerode.Container,
  stream: NodeJS.ReadWriteStream,
  io: ClientIo,
): Promise<ClientResult> {
  const demux = new FrameDemuxer(io.stdout);
  const feeding = io.stdin ? pipeline(io.stdin, stream as NodeJS.WritableStream).catch(() => {}) : undefined;
  await pipeline(stream, demux);
  await feeding;
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  return {
    exitCode: StatusCode,
    stderr: demux.stderr,
    stdout: io.stdout ? undefined : Buffer.concat(demux.collected).toString('utf8'),
  };
}
