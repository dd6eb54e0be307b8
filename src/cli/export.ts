import type { Argv } from 'yargs';
import * as opt from './args.js';
import { EXPORT_DEFAULTS, type ExportCnpgOptions, type ExportComposeOptions } from '../commands/export/options.js';
import { usageError } from '../core/errors.js';

/** `export <target>`: flags in, one options object out (commands/export/options.ts). */

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A Kubernetes quantity as storage sizes are written: 10Gi, 500Mi, 1Ti. */
const QUANTITY = /^[1-9][0-9]*(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

function namespace(a: opt.Args): string | undefined {
  const v = opt.value(a, 'namespace');
  if (v !== undefined && !DNS_LABEL.test(v))
    throw usageError(
      `invalid --namespace ${JSON.stringify(v)}`,
      'a Kubernetes namespace: lower-case letters, digits and "-", e.g. --namespace databases',
    );
  return v;
}

function instances(a: opt.Args): number {
  const v = opt.value(a, 'instances');
  if (v === undefined) return EXPORT_DEFAULTS.instances;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 99)
    throw usageError(
      `--instances must be a whole number from 1 to 99, not ${JSON.stringify(v)}`,
      'e.g. --instances 3 (a primary and two standbys)',
    );
  return Number(v);
}

function storage(a: opt.Args): string {
  const v = opt.value(a, 'storage') ?? EXPORT_DEFAULTS.storage;
  if (!QUANTITY.test(v))
    throw usageError(
      `invalid --storage ${JSON.stringify(v)}`,
      "a Kubernetes quantity for each instance's volume, e.g. --storage 10Gi or 500Mi",
    );
  return v;
}

const out = {
  out: opt.str('write one file per document into DIR (made 0700 when missing) instead of printing'),
  force: opt.forceOpt('replace files already in --out'),
};

export function exportCommands(y: Argv, defaultInstance: string, run: opt.Run): Argv {
  const inst = { instance: opt.instanceOpt(defaultInstance) };
  return y
    .command(
      'cnpg',
      'Kubernetes YAML for CloudNativePG: Cluster (importing the data), Secrets, Databases, a ScheduledBackup stub',
      (c) =>
        c.options({
          ...inst,
          namespace: opt.str("metadata.namespace of every document (default: none, kubectl's current)"),
          instances: opt.str(`PostgreSQL instances in the cluster (default ${EXPORT_DEFAULTS.instances})`),
          storage: opt.str(`volume size of each instance (default ${EXPORT_DEFAULTS.storage})`),
          ...out,
          ...opt.secretsOptions,
        }),
      run('export', (a): ExportCnpgOptions => ({
        target: 'cnpg',
        instance: opt.instanceName(a),
        namespace: namespace(a),
        instances: instances(a),
        storage: storage(a),
        out: opt.value(a, 'out'),
        ...(a.force ? { force: true } : {}),
        showSecrets: opt.showSecrets(a),
      })),
    )
    .command(
      'compose',
      'A Docker Compose file: the same image, settings, limits and a health check, for a server with plain Docker',
      (c) => c.options({ ...inst, ...out }),
      run('export', (a): ExportComposeOptions => ({
        target: 'compose',
        instance: opt.instanceName(a),
        out: opt.value(a, 'out'),
        ...(a.force ? { force: true } : {}),
      })),
    )
    .demandCommand(1, 'name an export target: cnpg or compose');
}
