import type { Context } from '../../src/context.js';
import type { SourceDeps } from '../../src/commands/export/source.js';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import type { ServerFacts } from '../../src/postgres/server-facts.js';

/** Passwords the export tests look for in every output: they must appear only with --show-secrets. */
export const APP_PASSWORD = 'AppPw_k3Jq9ZxT2mV8rL5nB1cD7fG4hW6yS0';
export const ADMIN_PASSWORD = 'AdminPw_Qe4Rt7Yu1Io9Pa3Sd6Fg2Hj5Kl8Zx0';

export function exportInstance(over: Partial<Instance> = {}): Instance {
  return {
    name: 'main',
    engine: 'docker',
    image: 'postgres:16-alpine',
    port: 5433,
    host: '127.0.0.1',
    user: 'vrooli',
    password: new Secret(APP_PASSWORD),
    database: 'vrooli',
    template: 'development',
    created: '2026-01-01T00:00:00Z',
    desiredState: 'running',
    extra: {},
    ...over,
  };
}

/** The owner-mode pair: applications get `vrooli`, the program keeps `resource_admin`. */
export const ownerMode = { admin: { user: 'resource_admin', password: new Secret(ADMIN_PASSWORD) } };

export function facts(over: Partial<ServerFacts> = {}): ServerFacts {
  return {
    versionNum: 160004,
    databases: [{ name: 'vrooli', owner: 'vrooli' }],
    roles: [],
    sharedPreloadLibraries: [],
    ...over,
  };
}

/** A running server that answers with these facts (undefined: a stopped one), on a fixed host name. */
export function fakeDeps(f: ServerFacts | undefined): SourceDeps {
  return {
    hostname: () => 'db-host.example',
    readFacts: async (_ctx: Context) => f ?? 'connect ECONNREFUSED 127.0.0.1:5433',
  };
}
