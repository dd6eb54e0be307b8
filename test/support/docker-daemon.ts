import Dockerode from 'dockerode';
import { createServer } from 'node:net';
import { LABELS } from '../../src/core/defaults.js';
import { volumeName, type Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { waitFor } from '../../src/core/wait.js';
import type { DockerEngine } from '../../src/engines/docker/docker-engine.js';
import { probe } from '../../src/postgres/probe.js';

/**
 * The real Docker daemon as the DockerEngine suite uses it directly: whether it can run, free
 * published ports, instance records, readiness, and cleanup of a test home's containers and
 * volumes by label. Kept apart so the suite file holds its cases and its teardown.
 */

const IMAGE = process.env.RESOURCE_POSTGRES_TEST_IMAGE ?? 'resource-postgres-test:17';
export const docker = new Dockerode();

/** Sets this run's container names and password apart from any other run's. */
export const suffix = Math.random().toString(36).slice(2, 8);

/** Why the suite cannot run against this machine's daemon, or undefined when it can. */
export async function availability(): Promise<string | undefined> {
  try {
    await docker.ping();
  } catch (e) {
    return `no Docker daemon answers (${(e as Error).message}); start one with: bash .ci/docker-up.sh`;
  }
  try {
    await docker.getImage(IMAGE).inspect();
  } catch {
    return `test image ${IMAGE} is missing; build it with: bash test/image/build.sh`;
  }
  return undefined;
}

function isListenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports in 5490-5499 that nothing listens on and no container publishes. */
export async function freePorts(engine: DockerEngine, count: number): Promise<number[]> {
  const held = await engine.heldPorts();
  const out: number[] = [];
  // 5460-5469: the engine is driven directly here, past the CLI's port ledger, so stay clear of
  // the explicit ports the CLI suites running beside this one take from 5470 up.
  for (let p = 5460; p <= 5469 && out.length < count; p++) if (!held.has(p) && (await isListenable(p))) out.push(p);
  if (out.length < count) throw new Error(`need ${count} free ports in 5460-5469, found ${out.join(', ') || 'none'}`);
  return out;
}

export function makeInstance(name: string, port: number): Instance {
  return {
    name,
    engine: 'docker',
    image: IMAGE,
    port,
    host: '127.0.0.1',
    user: 'tester',
    password: new Secret(`pw-${suffix}-x`),
    database: 'testdb',
    template: 'development',
    created: new Date().toISOString(),
    desiredState: 'running',
    extra: {},
  };
}

export async function waitReady(instance: Instance): Promise<void> {
  await waitFor(
    async () => {
      const r = await probe(instance, 2_000);
      return r.ok ? undefined : r.message;
    },
    { timeoutMs: 60_000, what: `instance ${instance.name} to accept queries`, maxIntervalMs: 100 },
  );
}

/** Removes everything labelled with a test home, whatever state the tests left it in. */
export async function cleanHome(home: string): Promise<void> {
  const filters = { label: [`${LABELS.home}=${home}`] };
  for (const c of await docker.listContainers({ all: true, filters }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => {});
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of Volumes ?? [])
    await docker
      .getVolume(v.Name)
      .remove()
      .catch(() => {});
}

export const volumeExists = (name: string) =>
  docker
    .getVolume(volumeName(name))
    .inspect()
    .then(
      () => true,
      () => false,
    );
