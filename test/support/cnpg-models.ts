import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { Database } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Database';
import { Pooler } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Pooler';
import { ScheduledBackup } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup';
import { Secret } from 'kubernetes-models/v1/Secret';
import { assertKnownKeys } from '../../src/commands/export/strict-keys.js';

/** The pinned models (devDependencies: the tests validate every shape the export can emit). */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Cluster: Cluster as never,
  Database: Database as never,
  Pooler: Pooler as never,
  ScheduledBackup: ScheduledBackup as never,
  Secret: Secret as never,
};

/** The models' validation (types, required fields, minimums) plus our strict unknown-key check. */
export function validateDocument(doc: Record<string, unknown>): void {
  const Model = MODELS[String(doc.kind)];
  if (!Model) throw new Error(`no model for kind ${String(doc.kind)}`);
  new Model(structuredClone(doc) as never).validate();
  assertKnownKeys(doc);
}

const require = createRequire(import.meta.url);
const cnpgDir = join(
  dirname(require.resolve('@kubernetes-models/cloudnative-pg/package.json')),
  'postgresql.cnpg.io',
  'v1',
);
const coreDir = join(dirname(require.resolve('kubernetes-models/package.json')), 'v1');

/** Property names an interface of the models declares, read from its .d.ts ("name"?: ...). */
export function declaredKeys(type: string): Set<string> {
  const [dir, file] = type.startsWith('core/') ? [coreDir, type.slice(5)] : [cnpgDir, type];
  const text = readFileSync(join(dir, `${file}.d.ts`), 'utf8');
  const body = text.slice(text.indexOf('export interface'), text.indexOf('export declare class'));
  return new Set([...body.matchAll(/^ {4}"([^"]+)"\??:/gm)].map((m) => m[1]!));
}
