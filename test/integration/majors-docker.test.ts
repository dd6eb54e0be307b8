import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, dockerAvailability, runCli, TEST_IMAGE, tempHome } from '../support/cli.js';

/**
 * PostgreSQL 15 and 17 side by side on docker, each from its offline test image
 * (test/image/build.sh resource-postgres-test:15 and :17), each reporting its own major.
 */
const IMAGE_15 = process.env.RESOURCE_POSTGRES_TEST_IMAGE_15 ?? 'resource-postgres-test:15';

const imagePresent = (image: string) =>
  new Promise<boolean>((resolve) => execFile('docker', ['image', 'inspect', image], (err) => resolve(!err)));

const docker = await dockerAvailability();
const has15 = docker.ok && (await imagePresent(IMAGE_15));
const why = !docker.ok ? docker.reason : `test image ${IMAGE_15} is missing (bash test/image/build.sh ${IMAGE_15})`;
if (!has15 && process.env.CI) throw new Error(`CI requires Docker for the docker majors suite: ${why}`);
if (!has15) console.warn(`skipping the docker majors suite: ${why}`);

describe.runIf(has15)('docker majors side by side', () => {
  let home: string;
  const cli = (...args: string[]) => runCli(args, { home, timeoutMs: 180_000 });
  const conf = (name: string) => readFile(join(home, name, 'config', 'instance.conf'), 'utf8');

  beforeAll(async () => {
    home = await tempHome('rp-majors-docker-');
  });
  afterAll(async () => {
    await destroyHome(home);
  });

  it('runs a 15 and a 17 instance, each reporting its own version', async () => {
    const a = await cli(
      'manage',
      'start',
      '--instance',
      'd15',
      '--engine',
      'docker',
      '--image',
      IMAGE_15,
      '--pg-version',
      '15',
    );
    expect(a.stderr + a.stdout).toMatch(/instance d15 created on docker/);
    expect(a.code).toBe(0);
    // No --pg-version: the major is the one the image declares (PG_MAJOR), then the server's.
    const b = await cli('manage', 'start', '--instance', 'd17', '--engine', 'docker', '--image', TEST_IMAGE);
    expect(b.code).toBe(0);
    expect(await conf('d15')).toContain('version="15"');
    expect(await conf('d17')).toContain('version="17"');

    const status = JSON.parse((await cli('status', '--json')).stdout) as {
      instances: Array<{ name: string; version: string; healthy: boolean }>;
    };
    for (const [name, major] of [
      ['d15', '15'],
      ['d17', '17'],
    ] as const) {
      const inst = status.instances.find((i) => i.name === name)!;
      expect(inst.healthy).toBe(true);
      expect(inst.version).toMatch(new RegExp(`^${major}\\.\\d+`));
      const q = await cli('content', 'execute', 'SELECT version() AS v', '--instance', name, '--json');
      expect(q.code).toBe(0);
      expect(q.stdout).toMatch(new RegExp(`PostgreSQL ${major}\\.\\d+`));
      const cred = JSON.parse((await cli('credentials', '--instance', name, '--json')).stdout);
      expect(cred.connections[0].metadata.version).toBe(major);
    }
  });

  it('refuses an image of another major than --pg-version before creating anything', async () => {
    const run = await cli(
      'manage',
      'start',
      '--instance',
      'bad',
      '--engine',
      'docker',
      '--image',
      TEST_IMAGE,
      '--pg-version',
      '15',
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`image ${TEST_IMAGE} holds PostgreSQL 17, but instance bad is PostgreSQL 15`);
    await expect(stat(join(home, 'bad', 'config', 'instance.conf'))).rejects.toThrow();
    const list = await new Promise<string>((resolve) =>
      execFile('docker', ['ps', '-a', '--filter', 'name=resource-postgres-bad', '--format', '{{.Names}}'], (_e, out) =>
        resolve(String(out).trim()),
      ),
    );
    expect(list).toBe('');
  });

  it('refuses another major for an existing instance, pointing at manage upgrade', async () => {
    const run = await cli('manage', 'start', '--instance', 'd15', '--pg-version', '17');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('resource-postgres manage upgrade --instance d15 --pg-version 17');
  });
});
