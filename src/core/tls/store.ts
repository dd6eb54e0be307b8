import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.js';
import { instancePaths } from '../instance.js';
import { createCa, type KeyPairPem } from './certs.js';

/**
 * Where a home keeps its TLS material. The CA's key is the one secret here: it sits in
 * <home>/.tls/private (0700) as a 0600 file and never leaves it; the CA certificate beside it
 * (<home>/.tls/ca.crt, 0644) is what clients verify against (sslrootcert). An instance's own
 * certificate and key are kept in its config/ directory (root's or the owner's, 0700), from
 * which the engines install them where their server reads them, on every start.
 */
export function caPaths(home: string) {
  // Hidden: instance names start with a letter or digit, so no instance directory can be this one.
  const dir = join(home, '.tls');
  return { dir, cert: join(dir, 'ca.crt'), privateDir: join(dir, 'private'), key: join(dir, 'private', 'ca.key') };
}

export function serverTlsPaths(home: string, name: string) {
  const dir = join(instancePaths(home, name).config, 'tls');
  return { dir, cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

/** Written whole or not at all (temp file + rename), never through a link planted at the path. */
async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { mode, flag: 'wx' });
    await chmod(tmp, mode); // whatever the umask
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new CliError('config', `cannot write ${path}: ${(e as Error).message}`, {
      hint: 'check that the home is writable and the disk is not full',
    });
  }
}

/** A directory of ours, not a link, with exactly this mode. */
async function ensureDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  const st = await lstat(dir);
  if (!st.isDirectory() || (process.geteuid && st.uid !== process.geteuid())) {
    throw new CliError('refused', `${dir} is not a directory owned by this user`, {
      hint: 'someone else made it: inspect and remove it, then run the command again',
    });
  }
  await chmod(dir, mode);
}

async function readIf(path: string): Promise<string | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isFile()) throw new CliError('refused', `${path} is not a regular file`, { hint: 'inspect and remove it' });
  return readFile(path, 'utf8');
}

/**
 * The home's CA, made on first need. Callers hold the home lock, so two instances enabling TLS
 * at once share one CA. A key without its certificate (a write cut short) is made anew: no
 * certificate can have been issued from it.
 */
export async function ensureCa(home: string): Promise<KeyPairPem & { created: boolean }> {
  const p = caPaths(home);
  const [certPem, keyPem] = [await readIf(p.cert), await readIf(p.key)];
  if (certPem && keyPem) return { certPem, keyPem, created: false };
  await ensureDir(p.dir, 0o755);
  await ensureDir(p.privateDir, 0o700);
  const ca = await createCa(home);
  await writeAtomic(p.key, ca.keyPem, 0o600);
  await writeAtomic(p.cert, ca.certPem, 0o644);
  return { ...ca, created: true };
}

export async function writeServerTls(home: string, name: string, pair: KeyPairPem): Promise<void> {
  const p = serverTlsPaths(home, name);
  await ensureDir(p.dir, 0o700);
  await writeAtomic(p.key, pair.keyPem, 0o600);
  await writeAtomic(p.cert, pair.certPem, 0o644);
}

/** The instance's certificate and key, or a clear error naming the way back when they are gone. */
export async function readServerTls(home: string, name: string): Promise<KeyPairPem> {
  const p = serverTlsPaths(home, name);
  const [certPem, keyPem] = [await readIf(p.cert), await readIf(p.key)];
  if (certPem && keyPem) return { certPem, keyPem };
  throw new CliError('config', `instance ${name} has TLS on but its certificate or key is missing in ${p.dir}`, {
    hint: `issue a new one: resource-postgres manage tls rotate --instance ${name}`,
  });
}

export async function removeServerTls(home: string, name: string): Promise<void> {
  await rm(serverTlsPaths(home, name).dir, { recursive: true, force: true });
}
