import type Dockerode from 'dockerode';
import { DEFAULTS, LABELS } from '../../core/defaults.js';
import { asAdmin, containerName, dataVolumeOf, type Instance } from '../../core/instance.js';
import { preloadSetting } from '../../core/extensions.js';
import { getTemplate, parseSize } from '../../core/templates.js';
import { PASSWORD_FILE } from './password-file.js';
import { tlsSettings } from './tls-files.js';
import { standbyNetwork, standbySettings } from './standby.js';

/** Where the image keeps PGDATA (official postgres image <= 17 and our test image). */
export const DATA_PATH = '/var/lib/postgresql/data';
export const SERVER_PORT = '5432/tcp';

export interface SpecOptions {
  /** CPUs the daemon's host has: Docker rejects NanoCpus above it, so the template's value is capped. */
  hostCpus?: number;
  /** Where the named volume is mounted: from dataMountTarget(image config); DATA_PATH by default. */
  dataPath?: string;
}

/**
 * Where the data volume must be mounted for this image. Images differ (postgres:18 moved PGDATA
 * to /var/lib/postgresql/18/docker and declares VOLUME /var/lib/postgresql): mounting at the old
 * path there would leave the data in an anonymous volume that container removal deletes. So
 * mount at the image's declared VOLUME that holds PGDATA, else at PGDATA itself.
 */
export function dataMountTarget(
  config: { Env?: string[] | null; Volumes?: Record<string, unknown> | null } | undefined,
): string {
  const pgdata = config?.Env?.find((e) => e.startsWith('PGDATA='))?.slice('PGDATA='.length) || DATA_PATH;
  const volumes = Object.keys(config?.Volumes ?? {}).map((v) => v.replace(/\/+$/, ''));
  const holder = volumes
    .filter((v) => pgdata === v || pgdata.startsWith(`${v}/`))
    .sort((a, b) => a.length - b.length)[0];
  return holder ?? pgdata;
}

/** The labels that mark an object as this home's instance; lookups filter on the same pairs. */
export function instanceLabels(name: string, home: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.instance]: name, [LABELS.home]: home };
}

/**
 * `filters` for listContainers / listVolumes: every object of this home, or one instance.
 * Label filters are ANDed by the daemon.
 */
export function labelFilters(home: string, name?: string): { label: string[] } {
  const label = [`${LABELS.managed}=true`, `${LABELS.home}=${home}`];
  if (name !== undefined) label.push(`${LABELS.instance}=${name}`);
  return { label };
}

/** `-c key=value` pairs, sorted so the same template always gives the same argv. */
export function serverArgs(settings: Record<string, string>): string[] {
  const args = ['postgres'];
  for (const key of Object.keys(settings).sort()) args.push('-c', `${key}=${settings[key]}`);
  return args;
}

/** The template's settings plus the libraries the instance's extensions need loaded at start. */
export function withPreload(settings: Record<string, string>, extensions: readonly string[]): Record<string, string> {
  const value = preloadSetting(settings.shared_preload_libraries, extensions);
  return value ? { ...settings, shared_preload_libraries: value } : settings;
}

/** The address the port is published on: loopback unless the instance explicitly says otherwise. */
export function bindAddress(instance: Pick<Instance, 'host'>): string {
  return instance.host === undefined || instance.host === '' ? DEFAULTS.host : instance.host;
}

/**
 * Create options for an instance's container. Pure: the engine only executes it.
 * The password is not in it: the engine copies it in as a file (password-file.ts).
 */
export function containerSpec(
  instance: Instance,
  home: string,
  opts: SpecOptions = {},
): Dockerode.ContainerCreateOptions {
  const template = getTemplate(instance.template);
  const cpus = opts.hostCpus === undefined ? template.container.cpus : Math.min(template.container.cpus, opts.hostCpus);
  return {
    name: containerName(instance.name),
    Image: instance.image ?? DEFAULTS.image,
    Env: [
      `POSTGRES_USER=${asAdmin(instance).user}`,
      `POSTGRES_PASSWORD_FILE=${PASSWORD_FILE}`,
      `POSTGRES_DB=${instance.database}`,
    ],
    Cmd: serverArgs({
      ...withPreload(template.settings, instance.extensions ?? []),
      ...tlsSettings(instance),
      ...standbySettings(instance),
    }),
    Labels: instanceLabels(instance.name, home),
    ExposedPorts: { [SERVER_PORT]: {} },
    HostConfig: {
      PortBindings: { [SERVER_PORT]: [{ HostIp: bindAddress(instance), HostPort: String(instance.port) }] },
      RestartPolicy: { Name: 'unless-stopped' },
      // A named volume (not a bind) so data survives container removal and needs no host path.
      Mounts: [{ Type: 'volume', Source: dataVolumeOf(instance), Target: opts.dataPath ?? DATA_PATH }],
      Memory: parseSize(template.container.memory),
      NanoCpus: Math.round(cpus * 1e9),
      ShmSize: parseSize(template.container.shm_size),
      // The default bridge, except for a streaming replica (standby.ts); templates never create or join networks.
      ...standbyNetwork(instance),
    },
  };
}

/** The labelled named volume that holds an instance's data directory. */
export function volumeSpec(instance: Pick<Instance, 'name' | 'extra'>, home: string): Dockerode.VolumeCreateOptions {
  return { Name: dataVolumeOf(instance), Labels: instanceLabels(instance.name, home) };
}
