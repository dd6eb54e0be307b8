import { DATA_PATH, serverArgs } from '../../engines/docker/container-spec.js';
import type { Manifest } from './manifest.js';
import type { ExportSource } from './source.js';

export const COMPOSE_SERVICE = 'postgres';
const PASSWORD_SECRET = 'postgres-password';
const PASSWORD_FILE = `./${PASSWORD_SECRET}.txt`;

/** Compose interpolates "$" in every value; "$$" is a literal one. */
const literal = (s: string) => s.replace(/\$/g, '$$$$');

/**
 * Where the data volume goes: postgres:18 images keep PGDATA in a versioned directory under
 * their VOLUME /var/lib/postgresql, so the volume must hold that whole directory (a mount at
 * the old path would leave the data in an anonymous volume); earlier ones use DATA_PATH.
 */
export function composeDataPath(major: number): string {
  return major >= 18 ? '/var/lib/postgresql' : DATA_PATH;
}

/** The image a compose service runs: the instance's own (docker), else the official one of its major (native). */
export function composeImage(src: ExportSource): string {
  return src.engine === 'docker' && src.image ? src.image : `postgres:${src.major}-alpine`;
}

/**
 * `export compose`: one service as the docker engine runs the instance (image, settings as
 * `-c` flags, limits, loopback port, password from a file, a data volume, restart policy)
 * plus a health check. The check is pg_isready over TCP: the image's first-boot server
 * listens on the socket only, so TCP answers once the real server runs.
 */
export function composeManifest(src: ExportSource): Manifest {
  const pwCommand = `( umask 077; eval "$(resource-postgres credentials --instance ${src.name}${src.appRole === 'owner' ? ' --admin' : ''} --format env --show-secrets)"; printf %s "$POSTGRES_PASSWORD" > ${PASSWORD_FILE} )`;
  const comment = [
    `Docker Compose service for instance ${src.name} (PostgreSQL ${src.major}, template ${src.template}).`,
    `${PASSWORD_FILE} holds the password of ${src.admin.user}, the server's superuser. Create it beside this file,`,
    'on this machine (the password never appears in a command line):',
    `  ${pwCommand}`,
    'The volume starts empty: move the data with a dump, writes stopped, once `docker compose up -d --wait` is done:',
    `  resource-postgres backup create --instance ${src.name}, or pg_dumpall from this instance into the service.`,
    ...(src.appRole === 'owner'
      ? [`The application role ${src.app.user} arrives with the dump (pg_dumpall carries roles), not from the image.`]
      : []),
    'The port stays on 127.0.0.1 as here; publish another address only on purpose.',
  ];
  const volume = `${src.name.toLowerCase()}-data`;
  return {
    file: 'compose.yaml',
    comment: comment.join('\n'),
    body: {
      services: {
        [COMPOSE_SERVICE]: {
          image: composeImage(src),
          command: serverArgs(src.settings).map(literal),
          environment: {
            POSTGRES_USER: src.admin.user,
            POSTGRES_DB: src.database,
            POSTGRES_PASSWORD_FILE: `/run/secrets/${PASSWORD_SECRET}`,
          },
          secrets: [PASSWORD_SECRET],
          ports: [`127.0.0.1:${src.reach.port}:5432`],
          volumes: [`${volume}:${composeDataPath(src.major)}`],
          healthcheck: {
            test: ['CMD-SHELL', `pg_isready -h 127.0.0.1 -p 5432 -U ${src.admin.user} -d ${src.database}`],
            interval: '5s',
            timeout: '3s',
            retries: 10,
            start_period: '30s',
          },
          restart: 'unless-stopped',
          mem_limit: src.container.memory,
          cpus: src.container.cpus,
          shm_size: src.container.shm_size,
        },
      },
      volumes: { [volume]: {} },
      secrets: { [PASSWORD_SECRET]: { file: PASSWORD_FILE } },
    },
  };
}
