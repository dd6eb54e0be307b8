import type { Context } from '../../context.js';
import { type CommandResult, result } from '../result.js';
import { cnpgManifests } from './cnpg/index.js';
import { composeManifest } from './compose.js';
import type { Manifest } from './manifest.js';
import type { ExportOptions } from './options.js';
import { gatherSource, productionSourceDeps, type SourceDeps } from './source.js';
import { assertKnownKeys } from './strict-keys.js';
import { writeFiles } from './write-files.js';
import { manifestText, streamText } from './yaml-text.js';

export interface ExportData {
  instance: string;
  target: 'cnpg' | 'compose';
  /** Where the files went (--out), or null when printed. */
  out: string | null;
  files: string[];
  /** The documents as one YAML stream (printed when there is no --out). */
  text: string;
  documents: Array<Record<string, unknown>>;
  warnings: string[];
}

/** `export cnpg|compose`: reads the instance (and its server, when it runs), builds the documents, prints or writes them. */
export async function exportInstance(
  ctx: Context,
  opts: ExportOptions,
  signal?: AbortSignal,
  deps: SourceDeps = productionSourceDeps,
): Promise<CommandResult<ExportData>> {
  const src = await gatherSource(ctx, opts.instance, deps, signal);
  let manifests: Manifest[];
  let warnings: string[] = [];
  if (opts.target === 'cnpg') {
    ({ manifests, warnings } = cnpgManifests(src, opts));
    for (const m of manifests) assertKnownKeys(m.body);
  } else {
    manifests = [composeManifest(src)];
    if (src.tls)
      warnings.push(
        `instance ${src.name} serves TLS but the compose service does not: mount a certificate and key and add -c ssl=on -c ssl_cert_file=... -c ssl_key_file=... to its command, or keep it on a private network`,
      );
    if (src.pooler)
      warnings.push(
        `instance ${src.name} has a PgBouncer; the compose file has PostgreSQL only: add a pooler service if you need one`,
      );
  }
  for (const w of warnings) ctx.talk.warn(w);
  const files = manifests.map((m) => ({ name: m.file, text: manifestText(m) }));
  const written = opts.out ? await writeFiles(opts.out, files, { force: opts.force }) : [];
  return result('export', {
    instance: src.name,
    target: opts.target,
    out: opts.out ?? null,
    files: opts.out ? written : files.map((f) => f.name),
    text: streamText(manifests),
    documents: manifests.filter((m) => !m.stub).map((m) => m.body),
    warnings,
  });
}
