// Peers that run on this machine: testcontainers-node 11 (same image) and Debian's
// pg_createcluster (postgresql-common, with Debian's own server binaries).
import { access, chown, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.mjs';
import { exec, must } from './exec.mjs';
import { waitForQuery } from './pg-ready.mjs';
import { freePort } from './ports.mjs';
import { BENCH_LABEL } from './raw-docker.mjs';

const SCRIPT = fileURLToPath(new URL('../peers/testcontainers-start.mjs', import.meta.url));

/** Timed: a node process that starts the container and queries it. Returns its id for removal. */
export async function testcontainersStart(image) {
  const res = await must(process.execPath, [SCRIPT, image, BENCH_LABEL], {
    env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true' },
  });
  return res.stdout.trim().split('\n').pop();
}

export async function removeContainer(id) {
  if (id) await exec('docker', ['rm', '-f', '-v', id]);
}

/** The newest Debian server major with pg_createcluster available, or undefined. */
export async function debianMajor() {
  if (
    !(await access('/usr/bin/pg_createcluster').then(
      () => true,
      () => false,
    ))
  )
    return undefined;
  const majors = await readdir('/usr/lib/postgresql').catch(() => []);
  return majors.filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))[0];
}

export class DebianCluster {
  constructor(major, name, user) {
    this.major = major;
    this.name = name;
    this.user = user;
  }

  async prepare(root) {
    this.port = await freePort();
    this.pwFile = join(root, `${this.name}.pw`);
    await writeFile(this.pwFile, 'bench-secret-1\n', { mode: 0o600 });
    if (this.user) await chown(this.pwFile, this.user.uid, this.user.gid);
    this.forget = onCleanup(`cluster ${this.major}/${this.name}`, () => this.remove());
  }

  /** Timed: pg_createcluster --start (initdb + start through pg_ctlcluster), then the query. */
  async createAndWait() {
    await must('pg_createcluster', [
      this.major,
      this.name,
      '-p',
      String(this.port),
      '--start',
      '--',
      '--username=bench',
      `--pwfile=${this.pwFile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=peer',
    ]);
    await waitForQuery({ user: 'bench', password: 'bench-secret-1', database: 'postgres', port: this.port });
  }

  async remove() {
    await exec('pg_dropcluster', ['--stop', this.major, this.name]);
    await rm(this.pwFile, { force: true });
    this.forget?.();
  }
}

/** Removes clusters a previous, killed run left (their names start with the prefix). */
export async function sweepClusters(prefix) {
  const { code, stdout } = await exec('pg_lsclusters', ['--no-header']).catch(() => ({ code: 1 }));
  if (code !== 0) return;
  for (const line of stdout.split('\n')) {
    const [major, name] = line.trim().split(/\s+/);
    if (name?.startsWith(prefix)) await exec('pg_dropcluster', ['--stop', major, name]);
  }
}
