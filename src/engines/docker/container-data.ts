import type Dockerode from 'dockerode';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { LABEL_PREFIX } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { isBaseBackupPath, walFilesBetween } from '../../core/physical-backup.js';
import {
  type ArchiveOutput,
  type DataArchiveRequest,
  type DataReplacement,
  isDescriptor,
  type PhysicalBackupFiles,
  type Progress,
} from '../engine.js';
import { DATA_PATH } from './container-spec.js';
import { execInContainer, FrameDemuxer } from './container-exec.js';

/**
 * Physical backups of a container's data directory, with the image's own find and tar (the
 * official images and ours have both). Reading happens in the running container; writing
 * happens in short-lived helper containers of the same image that mount the stopped
 * instance's volume, since nothing can exec in a stopped container.
 */
async function lines(container: Dockerode.Container, cmd: string[]): Promise<string[]> {
  const res = await execInContainer(container, { cmd });
  if (res.exitCode !== 0)
    throw new CliError('failed', `${cmd.join(' ')} failed in the container (exit ${res.exitCode})`, {
      details: res.stderr.trim(),
    });
  return (res.stdout ?? '').split('\n').filter(Boolean);
}

export async function archiveContainerData(
  container: Dockerode.Container,
  request: DataArchiveRequest,
  out: ArchiveOutput,
): Promise<void> {
  if (isDescriptor(out)) {
    // The archive arrives through the daemon's socket anyway: written to the descriptor, every
    // write done before this returns (the caller hashes the file as it grows).
    const file = createWriteStream('', { fd: out.fd, autoClose: false });
    // A failed write (disk full) must fail the backup, not the process: the demuxer listens
    // for 'error' only while it waits for 'drain'.
    let writeError: Error | undefined;
    file.on('error', (e) => (writeError ??= e));
    try {
      await archiveContainerData(container, request, file);
    } finally {
      await new Promise<void>((done) => file.end(done));
    }
    if (writeError) throw writeError;
    return;
  }
  let paths: string[];
  if (request.kind === 'base') {
    const dirs = new Set(await lines(container, ['find', DATA_PATH, '-mindepth', '1', '-type', 'd']));
    const all = await lines(container, ['find', DATA_PATH, '-mindepth', '1']);
    paths = all
      .map((p) => `.${p.slice(DATA_PATH.length)}`)
      .filter((p) => isBaseBackupPath(p, dirs.has(`${DATA_PATH}${p.slice(1)}`)));
  } else {
    const names = await lines(container, ['ls', '-1', `${DATA_PATH}/pg_wal`]);
    paths = walFilesBetween(names, request.from, request.to).map((n) => `./pg_wal/${n}`);
  }
  // tar exits 1 when a file vanished or changed while read: expected online, repaired by WAL replay.
  const res = await execInContainer(container, {
    cmd: ['tar', '-c', '-f', '-', '--no-recursion', '-C', DATA_PATH, ...paths],
    stdout: out,
  });
  if (res.exitCode > 1)
    throw new CliError(
      'failed',
      `tar in the container could not archive ${request.kind === 'base' ? 'the data directory' : 'the WAL'} (exit ${res.exitCode})`,
      { details: res.stderr.trim().split('\n').slice(-5).join('\n') },
    );
}

/** Runs a shell script as root in a helper container with the volume at /restore, feeding it a file. */
async function helper(docker: Dockerode, image: string, volume: string, script: string, input?: string): Promise<void> {
  const c = await docker.createContainer({
    Image: image,
    User: '0',
    Entrypoint: ['sh', '-c'],
    Cmd: [script],
    WorkingDir: '/restore',
    AttachStdin: Boolean(input),
    OpenStdin: Boolean(input),
    StdinOnce: Boolean(input),
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Labels: { [`${LABEL_PREFIX}.helper`]: 'restore' },
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/restore' }], NetworkMode: 'none' },
  });
  try {
    const stream = (await c.attach({
      stream: true,
      hijack: true,
      stdin: Boolean(input),
      stdout: true,
      stderr: true,
    })) as NodeJS.ReadWriteStream;
    const demux = new FrameDemuxer();
    const reading = pipeline(stream, demux).catch(() => {});
    await c.start();
    if (input) await pipeline(createReadStream(input), stream as unknown as NodeJS.WritableStream).catch(() => {});
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    await reading;
    if (StatusCode !== 0)
      throw new CliError('failed', `restoring into volume ${volume} failed (exit ${StatusCode})`, {
        details: demux.stderr.trim(),
      });
  } finally {
    await c.remove({ force: true, v: true }).catch(() => {});
  }
}

const PREVIOUS = '.rp-previous';

/**
 * Swaps the volume's contents for a physical backup; the previous contents wait in a hidden
 * directory of the same volume (a rename, no copy) until keep() or undo().
 */
export async function replaceVolumeData(
  docker: Dockerode,
  image: string,
  volume: string,
  files: PhysicalBackupFiles,
  progress: Progress,
): Promise<DataReplacement> {
  const run = (script: string, input?: string) => helper(docker, image, volume, script, input);
  const owner =
    'chown "$(stat -c %u:%g /restore/' +
    PREVIOUS +
    '/PG_VERSION 2>/dev/null || stat -c %u:%g /restore/' +
    PREVIOUS +
    ')"';
  await run(
    `rm -rf ${PREVIOUS} && mkdir ${PREVIOUS} && for f in * .[!.]* ..?*; do [ -e "$f" ] && [ "$f" != ${PREVIOUS} ] && mv "$f" ${PREVIOUS}/; done; true`,
  );
  const { undo, keep } = volumeReplacement(run);
  try {
    progress(`extracting the base backup into volume ${volume}`);
    await run('tar -x -f -', files.baseTar);
    await run('mkdir -p pg_wal && tar -x -f -', files.walTar);
    await run(
      `cat > backup_label && ${owner} backup_label && chmod 600 backup_label && rm -f postmaster.pid`,
      files.backupLabel,
    );
    if (files.tablespaceMap) await run(`cat > tablespace_map && ${owner} tablespace_map`, files.tablespaceMap);
    await run(`${owner} . && chmod 700 .`);
  } catch (e) {
    await undo().catch(() => {});
    throw e;
  }
  return { keep, undo };
}

type Run = (script: string, input?: string) => Promise<void>;

/**
 * undo() acts only when the previous contents are there: without them it would empty the
 * volume. It fails (rmdir of a non-empty directory) when anything could not be moved back,
 * so callers keep the restore journal rather than believe the previous data is in place.
 */
function volumeReplacement(run: Run): DataReplacement {
  return {
    undo: () =>
      run(
        `[ -d ${PREVIOUS} ] || exit 0; for f in * .[!.]* ..?*; do [ -e "$f" ] && [ "$f" != ${PREVIOUS} ] && rm -rf "$f"; done; mv ${PREVIOUS}/* ${PREVIOUS}/.[!.]* /restore/ 2>/dev/null; rmdir ${PREVIOUS}`,
      ),
    keep: () => run(`rm -rf ${PREVIOUS}`),
  };
}

/** A replacement a killed restore left in the volume (its previous contents still set aside). */
export async function findVolumeReplacement(
  docker: Dockerode,
  image: string,
  volume: string,
): Promise<DataReplacement | undefined> {
  const run: Run = (script, input) => helper(docker, image, volume, script, input);
  const present = await run(`[ -d ${PREVIOUS} ]`).then(
    () => true,
    () => false,
  );
  return present ? volumeReplacement(run) : undefined;
}
