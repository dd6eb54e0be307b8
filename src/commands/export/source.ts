import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { appRoleOf, asAdmin, type AppRole, type EngineName, type Instance } from '../../core/instance.js';
import { majorOfVersionNum } from '../../core/pg-version.js';
import type { Secret } from '../../core/secret.js';
import { getTemplate, type Template } from '../../core/templates.js';
import type { ServerFacts } from '../../postgres/server-facts.js';

/**
 * Everything an export says about one instance, gathered once: the renderers (cnpg/, compose.ts)
 * are pure functions of this, so the unit tests feed them a made-up source.
 */
export interface ExportSource {
  name: string;
  engine: EngineName;
  major: number;
  /** docker: the image the instance runs. */
  image?: string;
  template: string;
  settings: Record<string, string>;
  sharedPreloadLibraries: string[];
  container: Template['container'];
  appRole: AppRole;
  app: { user: string; password: Secret };
  /** The superuser the import connects as (the app role itself in superuser mode). */
  admin: { user: string; password: Secret };
  database: string;
  /** Every database of the server; undefined when the server could not be asked (stopped). */
  databases?: Array<{ name: string; owner: string }>;
  /** Why the server could not be asked, when it could not. */
  unanswered?: string;
  /** Roles users made besides the app role (monolith imports them). */
  roles: string[];
  /** Where a cluster reaches the instance for the import, and whether it can as the instance is bound. */
  reach: { host: string; port: number; loopbackOnly: boolean };
  /** TLS: the home's CA the instance's certificate chains to (its path, and the certificate in PEM). */
  tls?: { caFile: string; caPem: string };
  /** The instance's PgBouncer (`pooler start`): its mode. */
  pooler?: { mode: 'session' | 'transaction' };
}

export interface SourceDeps {
  /** The running server's facts, or why it does not answer. */
  readFacts(ctx: Context, instance: Instance, signal?: AbortSignal): Promise<ServerFacts | string>;
  hostname(): string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** The major from the server, else instance.conf's version, else the image tag (postgres:16-alpine). */
export function majorOf(instance: Instance, facts?: ServerFacts): number | undefined {
  if (facts && facts.versionNum > 0) return majorOfVersionNum(facts.versionNum);
  const fromVersion = /^(\d+)/.exec(instance.version ?? '');
  if (fromVersion) return Number(fromVersion[1]);
  const tag = /:(\d+)(?:[.-][^/]*)?$/.exec(instance.image ?? '');
  return tag ? Number(tag[1]) : undefined;
}

/**
 * TLS and the pooler as instance.conf records them. The CA certificate goes into the manifests
 * (the import verifies the instance with it): read without following links, and only its
 * PEM certificate blocks are kept, so no other file's content can be carried out this way.
 */
async function connectivityOf(instance: Instance): Promise<Pick<ExportSource, 'tls' | 'pooler'>> {
  const pooler = instance.pooler ? { mode: instance.pooler.mode } : undefined;
  if (!instance.tls || !instance.tlsCa) return { pooler };
  const fail = (why: string) =>
    new CliError('failed', `cannot read the CA certificate of instance ${instance.name} (${instance.tlsCa}): ${why}`, {
      hint: `renew it with: resource-postgres manage tls rotate --instance ${instance.name}`,
    });
  const fh = await open(instance.tlsCa, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e: Error) => {
    throw fail(e.message);
  });
  try {
    if (!(await fh.stat()).isFile()) throw fail('not a regular file');
    const text = (await fh.readFile({ encoding: 'utf8' })).slice(0, 1_000_000);
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g);
    if (!blocks) throw fail('it holds no PEM certificate');
    return { pooler, tls: { caFile: instance.tlsCa, caPem: `${blocks.join('\n')}\n` } };
  } finally {
    await fh.close();
  }
}

export async function gatherSource(
  ctx: Context,
  instanceName: string,
  deps: SourceDeps,
  signal?: AbortSignal,
): Promise<ExportSource> {
  const instance = await ctx.registry.get(instanceName);
  const answer = await deps.readFacts(ctx, instance, signal);
  const facts = typeof answer === 'string' ? undefined : answer;
  const major = majorOf(instance, facts);
  if (major === undefined) {
    throw new CliError('failed', `cannot tell which PostgreSQL major instance ${instance.name} runs`, {
      hint: `its image ${instance.image ?? '(none)'} names no version and the server does not answer; start it (resource-postgres manage start --instance ${instance.name}) and export again`,
    });
  }
  const template = getTemplate(instance.template);
  const admin = asAdmin(instance);
  const loopbackOnly = LOOPBACK.has(instance.host);
  return {
    name: instance.name,
    engine: instance.engine,
    major,
    image: instance.image,
    template: template.name,
    settings: { ...template.settings },
    sharedPreloadLibraries: facts?.sharedPreloadLibraries ?? [],
    container: template.container,
    appRole: appRoleOf(instance),
    app: { user: instance.user, password: instance.password },
    admin: { user: admin.user, password: admin.password },
    database: instance.database,
    databases: facts?.databases,
    unanswered: typeof answer === 'string' ? answer : undefined,
    roles: (facts?.roles ?? []).filter((r) => r !== instance.user && r !== admin.user),
    reach: {
      host: loopbackOnly || WILDCARD.has(instance.host) ? deps.hostname() : instance.host,
      port: instance.port,
      loopbackOnly,
    },
    ...(await connectivityOf(instance)),
  };
}

export const productionSourceDeps: SourceDeps = {
  hostname,
  async readFacts(ctx, instance, signal) {
    const probe = await ctx.probe(instance);
    if (!probe.ok) return probe.message;
    const { withAdmin } = await import('../content/session.js');
    const { readServerFacts } = await import('../../postgres/server-facts.js');
    return withAdmin(ctx, instance, signal, (s) => readServerFacts(s.client));
  },
};
