import type Dockerode from 'dockerode';
import { pipeline } from 'node:stream/promises';
import { LABEL_PREFIX } from '../../core/defaults.js';
import type { OfferedExtensions } from '../engine.js';
import { FrameDemuxer } from './container-exec.js';

/**
 * The extensions an image offers, read from its files by a short-lived helper container
 * (no network, no volume, removed at once), so `--extensions` is checked before an instance
 * is created or changed, and a new container can preload what it needs from its first start.
 * Where the files are: pg_config when the image has it; else the official images' and
 * Debian's places, narrowed by PG_MAJOR when the image sets it.
 */
const SCRIPT = `
share=$(pg_config --sharedir 2>/dev/null)/extension; lib=$(pg_config --pkglibdir 2>/dev/null)
m=\${PG_MAJOR:-*}
[ -d "$share" ] || share=$(ls -d /usr/local/share/postgresql/extension /usr/share/postgresql/$m/extension 2>/dev/null | tail -n 1)
[ -d "$lib" ] || lib=$(ls -d /usr/local/lib/postgresql /usr/lib/postgresql/$m/lib 2>/dev/null | tail -n 1)
[ -d "$share" ] || exit 3
echo "share $share"
for f in "$share"/*.control; do [ -e "$f" ] && echo "ext $(basename "$f" .control)"; done
for f in "$lib"/*.so; do [ -e "$f" ] && echo "lib $(basename "$f" .so)"; done
exit 0
`;

const TIMEOUT_MS = 30_000;

/** What the image offers, or undefined when it cannot tell (no sh, an unusual layout): the server is asked then. */
export async function imageExtensions(docker: Dockerode, image: string): Promise<OfferedExtensions | undefined> {
  let container: Dockerode.Container | undefined;
  try {
    container = await docker.createContainer({
      Image: image,
      Entrypoint: ['sh', '-c'],
      Cmd: [SCRIPT],
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Labels: { [`${LABEL_PREFIX}.helper`]: 'extensions' },
      HostConfig: { NetworkMode: 'none' },
    });
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const demux = new FrameDemuxer();
    const reading = pipeline(stream, demux).catch(() => {});
    await container.start();
    const waited = (await Promise.race([
      container.wait(),
      new Promise((resolve) => setTimeout(() => resolve({ StatusCode: -1 }), TIMEOUT_MS).unref()),
    ])) as { StatusCode: number };
    await reading;
    if (waited.StatusCode !== 0) return undefined;
    return parseListing(Buffer.concat(demux.collected).toString('utf8'), image);
  } catch {
    return undefined;
  } finally {
    await container?.remove({ force: true, v: true }).catch(() => {});
  }
}

/** "share DIR", "ext NAME", "lib NAME" lines -> OfferedExtensions. */
export function parseListing(text: string, image: string): OfferedExtensions | undefined {
  const out: OfferedExtensions = { extensions: [], libraries: [], where: `image ${image}` };
  for (const line of text.split('\n')) {
    const [kind, value] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1).trim()];
    if (kind === 'share') out.where = `image ${image}, ${value}`;
    else if (kind === 'ext' && value) out.extensions.push(value);
    else if (kind === 'lib' && value) out.libraries.push(value);
  }
  if (out.extensions.length === 0) return undefined;
  out.extensions.sort();
  out.libraries.sort();
  return out;
}
