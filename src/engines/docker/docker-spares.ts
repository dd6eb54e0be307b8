import type Dockerode from 'dockerode';
import { DEFAULTS, LABEL_PREFIX, LABELS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { asAdmin, type Instance } from '../../core/instance.js';
import type { Secret } from '../../core/secret.js';
import type { EngineSpareCapabilities, Progress } from '../engine.js';
import { dataMountTarget } from './container-spec.js';
import type { DockerObjects } from './docker-objects.js';
import { statusOf } from './docker-errors.js';
import { deliverPassword, PASSWORD_FILE } from './password-file.js';

/**
 * Docker spares: a volume the image's own entrypoint initialised once (initdb, superuser,
 * database), so the first start of the instance that takes it finds PG_VERSION and skips all
 * of that. Taking one is only recording it as the instance's data_volume (volumes cannot be
 * renamed). The volume carries this home's label (so its removal and reuse checks treat it as
 * ours) but no instance label; the one-off container that initialises it is a helper, never
 * listed as an instance.
 */

const SPARE_LABEL = `${LABEL_PREFIX}.spare`;
const SPARE_HOME_LABEL = `${LABEL_PREFIX}.spare-home`;
const VOLUME_RE = /^resource-postgres\.spare-[0-9a-f]{12}$/;
const READY_LINE = 'PostgreSQL init process complete';
const INIT_TIMEOUT_MS = 180_000;

const spareVolume = (id: string) => `resource-postgres.spare-${id}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function dockerSpares(docker: Dockerode, objects: DockerObjects): Required<EngineSpareCapabilities> {
  const ours = async (volume: string) => VOLUME_RE.test(volume) && (await objects.volumeExists(volume));

  /** Waits for the entrypoint to finish its first-boot work; fails with its log when it exits first. */
  async function waitInitialised(container: Dockerode.Container): Promise<void> {
    const deadline = Date.now() + INIT_TIMEOUT_MS;
    for (;;) {
      const log = String(await container.logs({ stdout: true, stderr: true, follow: false }));
      if (log.includes(READY_LINE)) return;
      const state = (await container.inspect()).State;
      if (!state.Running || Date.now() > deadline)
        throw new CliError(
          'failed',
          `the image's entrypoint did not initialise the spare volume (exit ${state.ExitCode})`,
          {
            details: log.split('\n').slice(-20).join('\n'),
          },
        );
      await sleep(150);
    }
  }

  return {
    async spareIdentity(draft) {
      const info = await docker.getImage(draft.image ?? DEFAULTS.image).inspect();
      const pgMajor = info.Config?.Env?.find((e) => e.startsWith('PG_MAJOR='))?.slice('PG_MAJOR='.length);
      const major = draft.version ?? pgMajor?.split('.')[0] ?? '0';
      return { major, identity: { image: info.Id, mount: dataMountTarget(info.Config) } };
    },

    async buildSpare(draft: Instance, id: string, password: Secret, progress: Progress) {
      const image = draft.image ?? DEFAULTS.image;
      const volume = spareVolume(id);
      const info = await docker.getImage(image).inspect();
      await docker.createVolume({
        Name: volume,
        Labels: { [LABELS.managed]: 'true', [LABELS.home]: objects.home, [SPARE_LABEL]: id },
      });
      let container: Dockerode.Container | undefined;
      try {
        progress(`initialising spare volume ${volume} with ${image}`);
        container = await docker.createContainer({
          name: `${volume}-init`,
          Image: image,
          Env: [
            `POSTGRES_USER=${asAdmin(draft).user}`,
            `POSTGRES_PASSWORD_FILE=${PASSWORD_FILE}`,
            `POSTGRES_DB=${draft.database}`,
          ],
          Cmd: ['postgres'],
          Labels: { [`${LABEL_PREFIX}.helper`]: 'spare', [SPARE_HOME_LABEL]: objects.home },
          HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: dataMountTarget(info.Config) }] },
        });
        const admin = asAdmin(draft);
        await deliverPassword(container, { ...admin, admin: undefined, password });
        await container.start();
        await waitInitialised(container);
        await container.stop({ t: 30 }).catch((e: unknown) => {
          if (statusOf(e) !== 304) throw e;
        });
        await container.remove({ force: true, v: true });
        return volume;
      } catch (e) {
        await container?.remove({ force: true, v: true }).catch(() => {});
        await objects.removeVolume(volume).catch(() => {});
        throw e;
      }
    },

    async placeSpare(instance, location) {
      if (!(await ours(location))) throw new CliError('refused', `${location} is not a spare volume of this home`);
      instance.extra.data_volume = location;
    },

    async discardSpare(location) {
      if (!VOLUME_RE.test(location)) throw new CliError('refused', `${location} is not a spare volume`);
      await objects.removeVolume(location);
    },

    async spareLeftovers() {
      const helpers = await docker.listContainers({
        all: true,
        filters: { label: [`${SPARE_HOME_LABEL}=${objects.home}`] },
      });
      for (const c of helpers)
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => {});
      const { Volumes } = await docker.listVolumes({
        // Dangling only: a spare an instance took is mounted by its container, and is its data.
        filters: { label: [SPARE_LABEL, `${LABELS.home}=${objects.home}`], dangling: ['true'] },
      });
      return (Volumes ?? []).map((v) => v.Name).filter((n) => VOLUME_RE.test(n));
    },
  };
}
