import { CliError } from '../../core/errors.js';
import { appRoleOf, type Instance } from '../../core/instance.js';
import type { CreateOptions } from '../options.js';

/** Refuses create-time flags that disagree with an existing instance instead of ignoring them. */
export function checkCreateFlags(instance: Instance, opts: CreateOptions): void {
  const clash = (flag: string, given: unknown, actual: unknown) => {
    throw new CliError(
      'usage',
      `instance ${instance.name} already exists with ${flag} ${String(actual)}; ${flag} ${String(given)} applies only when creating an instance`,
      {
        hint: `leave ${flag} out, or create another instance with --instance NEW ${flag} ${String(given)}`,
      },
    );
  };
  if (instance.replicaOf && opts.extensions)
    throw new CliError(
      'usage',
      `instance ${instance.name} is a read-only replica of ${instance.replicaOf}: --extensions cannot create extensions on it`,
      {
        hint: `create them on its primary (resource-postgres manage start --instance ${instance.replicaOf} --extensions ${opts.extensions.join(',')}); the replica follows`,
      },
    );
  if (opts.port !== undefined && opts.port !== instance.port) clash('--port', opts.port, instance.port);
  if (opts.engine !== 'auto' && opts.engine !== instance.engine) clash('--engine', opts.engine, instance.engine);
  if (opts.template !== undefined && opts.template !== instance.template)
    clash('--template', opts.template, instance.template);
  if (opts.image !== undefined && instance.engine === 'docker' && opts.image !== instance.image)
    clash('--image', opts.image, instance.image);
  if (opts.appRole !== undefined && opts.appRole !== appRoleOf(instance))
    clash('--app-role', opts.appRole, appRoleOf(instance));
  if (opts.pgVersion !== undefined && instance.version !== undefined && opts.pgVersion !== instance.version) {
    throw new CliError(
      'usage',
      `instance ${instance.name} already exists with PostgreSQL ${instance.version}; --pg-version ${opts.pgVersion} applies only when creating an instance`,
      {
        hint:
          Number(opts.pgVersion) > Number(instance.version)
            ? `to move its data to PostgreSQL ${opts.pgVersion}: resource-postgres manage upgrade --instance ${instance.name} --pg-version ${opts.pgVersion}; or leave --pg-version out`
            : `PostgreSQL data never moves to an older major; leave --pg-version out, or create another instance with --instance NEW --pg-version ${opts.pgVersion}`,
      },
    );
  }
  const tls = opts.tlsRequire ? 'required' : 'on';
  if (opts.tls && instance.tls !== tls) {
    throw new CliError(
      'usage',
      `instance ${instance.name} already exists with TLS ${instance.tls ?? 'off'}; --tls${opts.tlsRequire ? '-require' : ''} applies only when creating an instance`,
      {
        hint: `change it with: resource-postgres manage tls enable --instance ${instance.name}${opts.tlsRequire ? ' --require' : ''}`,
      },
    );
  }
}
