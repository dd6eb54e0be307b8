import type Dockerode from 'dockerode';
import type { Instance } from '../../core/instance.js';
import { readServerTls } from '../../core/tls/store.js';
import { singleFileTar } from './password-file.js';

/**
 * TLS inside a container. The server's settings are `-c` flags of the container's command
 * (ssl, ssl_cert_file, ssl_key_file, hba_file), so the files must be there before the first
 * boot and are copied in before every start, like the password file: at / (root's in every
 * image, so the server's user can plant nothing there), the key owned by the image's postgres
 * user and 0600 (what PostgreSQL demands of a key its server user owns), certificate and
 * pg_hba.conf root's and 0644. Our own pg_hba.conf replaces the one in PGDATA: local
 * connections stay trust (the image's entrypoint and its docker exec clients use them, as
 * with the image's own file); TCP is scram-sha-256, hostssl only when TLS is required.
 */
export const TLS_FILES = {
  cert: '/.resource-postgres-server.crt',
  key: '/.resource-postgres-server.key',
  hba: '/.resource-postgres-pg_hba.conf',
} as const;

export function tlsSettings(instance: Pick<Instance, 'tls'>): Record<string, string> {
  if (!instance.tls) return {};
  return { ssl: 'on', ssl_cert_file: TLS_FILES.cert, ssl_key_file: TLS_FILES.key, hba_file: TLS_FILES.hba };
}

/** Does the container's command carry TLS? Turning TLS on or off changes it: the container is made anew. */
export function commandHasTls(cmd: string[] | undefined | null): boolean {
  return (cmd ?? []).includes('ssl=on');
}

export function containerHba(required: boolean): string {
  const tcp = required ? 'hostssl' : 'host';
  return [
    '# Written by resource-postgres; copied in before every start.',
    'local all all trust',
    `${tcp} all all all scram-sha-256`,
    // Streaming replicas connect from their own containers (standby.ts); only REPLICATION roles get in.
    `${tcp} replication all all scram-sha-256`,
    '',
  ].join('\n');
}

/** The uid and gid of the image's `postgres` user, read from the container's /etc/passwd (no exec: it may not run yet). */
export async function postgresIds(container: Dockerode.Container): Promise<{ uid: number; gid: number }> {
  const stream = (await container.getArchive({ path: '/etc/passwd' })) as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  const tar = Buffer.concat(chunks);
  const size = parseInt(tar.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim(), 8);
  const passwd = tar.subarray(512, 512 + (Number.isFinite(size) ? size : 0)).toString('utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!line || !/^\d+$/.test(uid ?? '') || !/^\d+$/.test(gid ?? ''))
    throw new Error('the image has no postgres user in /etc/passwd to own the TLS key');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Copies certificate, key and pg_hba.conf into a created or running container. */
export async function deliverTls(container: Dockerode.Container, instance: Instance, home: string): Promise<void> {
  if (!instance.tls) return;
  const pair = await readServerTls(home, instance.name);
  const { uid, gid } = await postgresIds(container);
  const put = (path: string, text: string, mode: number, owner = 0, group = 0) =>
    container.putArchive(singleFileTar(path.slice(1), text, mode, 0, owner, group), { path: '/' });
  await put(TLS_FILES.cert, pair.certPem, 0o644);
  await put(TLS_FILES.key, pair.keyPem, 0o600, uid, gid);
  await put(TLS_FILES.hba, containerHba(instance.tls === 'required'), 0o644);
}
