import type { Context } from '../context.js';
import { connectionUrl, connectionView, type ConnectionView } from '../core/connection.js';
import { CliError } from '../core/errors.js';
import { asAdmin, type Instance } from '../core/instance.js';
import type { CredentialsOptions } from './options.js';
import { type CommandResult, result } from './result.js';
import { checkToolSecrets, needsPassword, writeToolFiles } from './tool-files.js';

export interface CredentialsData {
  resource: 'postgres';
  status: 'running' | 'stopped';
  connections: Array<{
    id: string;
    name: string;
    credential_type: 'postgres';
    /** sslmode and sslrootcert are additions: present in every entry, sslrootcert only with TLS. */
    connection: { host: string; port: number; database: string; ssl: boolean; sslmode: string; sslrootcert?: string };
    auth: { username: string; password: string };
    metadata: { description: string; capabilities: string[]; version: string | null; engine: string; url: string };
    /** A streaming replica (--replica-of): reads only, until `manage promote`. Absent otherwise. */
    read_only?: true;
    /** Why read_only does not make these credentials safe to hand to a reader. */
    read_only_note?: string;
  }>;
  /** Flat views for the text and env renderers; not part of the JSON contract. */
  views: ConnectionView[];
  /** Why there are no connections (text only; not part of the JSON contract). */
  note?: string;
  /** --passfile, for the service and pgadmin renderers; not part of the JSON contract. */
  passfile?: string;
}

export function connectionEntry(
  instance: Instance,
  view: ConnectionView,
  description: string,
): CredentialsData['connections'][number] {
  return {
    id: instance.name,
    name: `postgres-${instance.name}`,
    credential_type: 'postgres',
    connection: {
      host: view.host,
      port: view.port,
      database: view.database,
      ssl: view.sslmode !== 'disable',
      sslmode: view.sslmode,
      ...(view.sslrootcert ? { sslrootcert: view.sslrootcert } : {}),
    },
    auth: { username: view.user, password: view.password },
    metadata: {
      description,
      capabilities: ['sql', 'transactions', 'json', 'full-text-search'],
      version: instance.version ?? null,
      engine: instance.engine,
      url: connectionUrl(view),
    },
    // Read-only is the server's, not the credentials': they are P's roles, read-write on P.
    ...(instance.replicaOf
      ? {
          read_only: true as const,
          read_only_note: `read-only on this replica only: the same user and password are read-write on its primary ${instance.replicaOf}`,
        }
      : {}),
  };
}

export async function credentials(
  ctx: Context,
  opts: CredentialsOptions,
): Promise<CommandResult<CredentialsData | { message: string; files: string[] }>> {
  checkToolSecrets(opts);
  let instances: Instance[];
  if (opts.all) {
    const all = await ctx.registry.list();
    const damaged = all.find((e): e is { name: string; error: CliError } => 'error' in e);
    if (damaged) throw damaged.error;
    instances = all as Instance[];
  } else {
    const one = await ctx.registry.find(opts.instance);
    instances = one ? [one] : [];
  }
  if (instances.length === 0) {
    // Callers validate the document's shape even when nothing exists: the same shape, empty, exit 2.
    const what = opts.all ? 'no instances' : `no instance ${opts.instance}`;
    const create = `resource-postgres manage start${opts.all ? '' : ` --instance ${opts.instance}`}`;
    return result(
      'credentials',
      {
        resource: 'postgres',
        status: 'stopped',
        connections: [],
        views: [],
        note: `${what} in ${ctx.home.dir}: nothing configured; create one with: ${create}`,
      },
      2,
    );
  }
  // Applications get their own role; the program's superuser only when asked for by name.
  if (opts.admin) instances = instances.map(asAdmin);
  if (opts.pooler) instances = throughPooler(instances, opts.all);
  const reveal = opts.showSecrets || Boolean(opts.out && needsPassword(opts.toolFormat));
  const views = instances.map((i) => connectionView(i, reveal));
  if (opts.toolFormat && opts.out) return writeToolFiles(opts.toolFormat, opts.out, views, opts.passfile);
  const connections = instances.map((i, n) =>
    connectionEntry(
      i,
      views[n]!,
      `PostgreSQL instance ${i.name} (${i.engine}, template ${i.template})${opts.pooler ? `, through its PgBouncer (${i.pooler!.mode} mode)` : ''}`,
    ),
  );
  const anyRunning = instances.some((i) => i.desiredState === 'running');
  return result('credentials', {
    resource: 'postgres',
    status: anyRunning ? 'running' : 'stopped',
    connections,
    views,
    passfile: opts.passfile,
  });
}

/** --pooler: the same connection with the pooler's port; an instance without a pooler is an error. */
function throughPooler(instances: Instance[], all: boolean): Instance[] {
  const pooled = instances.filter((i) => i.pooler);
  if (pooled.length === 0 || (!all && pooled.length !== instances.length)) {
    const name = all ? 'NAME' : instances[0]!.name;
    throw new CliError('not-found', `${all ? 'no instance has' : `instance ${name} has no`} pooler`, {
      hint: `start one with: resource-postgres pooler start --instance ${name}`,
    });
  }
  // PgBouncer serves clients without TLS (it reaches a TLS server with TLS itself): no sslmode to verify.
  return pooled.map((i) => ({ ...i, port: i.pooler!.port, tls: undefined, tlsCa: undefined }));
}
