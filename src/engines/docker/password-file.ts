import type Dockerode from 'dockerode';
import { asAdmin, type Instance } from '../../core/instance.js';

/**
 * The superuser's password reaches the image's entrypoint as a file (POSTGRES_PASSWORD_FILE,
 * part of the official image's contract), never as POSTGRES_PASSWORD: a container's
 * environment is kept in its config, shown by `docker inspect` to anyone who may talk to
 * the daemon, and stored in /var/lib/docker. The file is copied into the created container
 * before its first start. It sits at / (the one directory every image has) and is readable
 * inside the container, where the entrypoint drops to the image's server user before it
 * reads it; only that server's own superuser, who knows the password anyway, could see it.
 */
export const PASSWORD_FILE = '/.resource-postgres-password';

const BLOCK = 512;

/** One ustar header field: text (or octal digits), NUL-padded to its width. */
function field(header: Buffer, offset: number, width: number, value: string): void {
  header.write(value, offset, width, 'utf8');
}

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0');

/**
 * A tar archive holding one regular file at the archive's root (what putArchive unpacks),
 * owned by uid/gid: the daemon keeps the header's owner when it extracts. Pure.
 */
export function singleFileTar(name: string, content: string, mode = 0o444, mtime = 0, uid = 0, gid = 0): Buffer {
  const body = Buffer.from(content, 'utf8');
  const header = Buffer.alloc(BLOCK);
  field(header, 0, 100, name);
  field(header, 100, 8, octal(mode, 8));
  field(header, 108, 8, octal(uid, 8));
  field(header, 116, 8, octal(gid, 8));
  field(header, 124, 12, octal(body.length, 12));
  field(header, 136, 12, octal(mtime, 12));
  header.fill(' ', 148, 156); // the checksum counts its own field as spaces
  field(header, 156, 1, '0');
  field(header, 257, 6, 'ustar');
  field(header, 263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(header, 148, 8, `${octal(sum, 7)}\0`);
  const padding = Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK);
  return Buffer.concat([header, body, padding, Buffer.alloc(BLOCK * 2)]);
}

/** Copies the password file into a created (not yet started) container. */
export async function deliverPassword(container: Dockerode.Container, instance: Instance): Promise<void> {
  const archive = singleFileTar(PASSWORD_FILE.slice(1), asAdmin(instance).password.reveal());
  await container.putArchive(archive, { path: '/' });
}

/**
 * Whether the container has never started: only then must the password file be copied in
 * before a start. The entrypoint reads it at the first boot's initdb only, and a container
 * that has started once got it before that start (a first boot cut short finds it still in
 * the container's layer). Skipping the copy spares every warm start a daemon call that
 * mounts the stopped container's filesystem.
 */
export function neverStarted(info: { State: { StartedAt?: string } }): boolean {
  const at = info.State.StartedAt;
  return !at || at.startsWith('0001-01-01');
}
