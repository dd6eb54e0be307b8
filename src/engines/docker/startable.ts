import type Dockerode from 'dockerode';
import { CliError } from '../../core/errors.js';
import { containerName, type Instance } from '../../core/instance.js';
import { publishedPort } from './inspect-state.js';

/**
 * The container to start for a recorded instance: it must exist, and publish the port the
 * instance is recorded with (clients are told that port); otherwise say how to remake it.
 */
export function startableContainer(
  info: Dockerode.ContainerInspectInfo | undefined,
  instance: Instance,
): Dockerode.ContainerInspectInfo {
  const name = containerName(instance.name);
  if (!info) {
    throw new CliError('not-found', `instance ${instance.name} has no container (${name}) in this home`, {
      hint: `create it: resource-postgres manage start --instance ${instance.name}`,
    });
  }
  const port = publishedPort(info);
  if (port !== undefined && port !== instance.port) {
    throw new CliError(
      'conflict',
      `container ${name} publishes port ${port} but instance ${instance.name} is recorded with port ${instance.port}`,
      {
        hint: `recreate the container (data is kept): resource-postgres manage uninstall --instance ${instance.name} --keep-data, then manage start --instance ${instance.name}`,
      },
    );
  }
  return info;
}
