// The raw docker baseline: `docker run` of the same image with the same user, password and
// database, then the same authenticated query polled every 10 ms.
import { onCleanup } from './cleanup.mjs';
import { exec, must } from './exec.mjs';
import { waitForQuery } from './pg-ready.mjs';
import { freePort } from './ports.mjs';

export const BENCH_LABEL = 'io.resource-postgres.bench=1';
const AUTH = { user: 'bench', password: 'bench-secret-1', database: 'bench' };

export class RawContainer {
  constructor(image, name) {
    this.image = image;
    this.name = name;
  }

  /** docker run + poll: the timed part of "new instance". */
  async runAndWait() {
    this.port = await freePort();
    this.forget = onCleanup(`container ${this.name}`, () => this.remove());
    await must('docker', [
      'run',
      '-d',
      '--name',
      this.name,
      '--label',
      BENCH_LABEL,
      '-p',
      `127.0.0.1:${this.port}:5432`,
      '-e',
      `POSTGRES_USER=${AUTH.user}`,
      '-e',
      `POSTGRES_PASSWORD=${AUTH.password}`,
      '-e',
      `POSTGRES_DB=${AUTH.database}`,
      this.image,
    ]);
    await waitForQuery({ ...AUTH, port: this.port });
  }

  async stop() {
    await must('docker', ['stop', this.name]);
  }

  async startAndWait() {
    await must('docker', ['start', this.name]);
    await waitForQuery({ ...AUTH, port: this.port });
  }

  /** With its anonymous volumes (the image may declare VOLUME). */
  async remove() {
    await exec('docker', ['rm', '-f', '-v', this.name]);
    this.forget?.();
  }
}

/** Removes bench containers a previous, killed run may have left. */
export async function sweepContainers() {
  const { stdout } = await exec('docker', ['ps', '-aq', '--filter', `label=${BENCH_LABEL}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await exec('docker', ['rm', '-f', '-v', ...ids]);
}
