import type { CredentialsData } from '../commands/credentials.js';
import type { ManageData } from '../commands/manage/index.js';
import type { CommandResult } from '../commands/result.js';
import type { ExecuteStream } from '../commands/content/execute.js';
import { executeLines } from './execute.js';
import type { StatusData } from '../commands/status/index.js';
import { envLines } from '../core/connection.js';
import { isToolFormat, renderToolFormat, type ToolFormat } from '../core/tool-config.js';
import { renderConnection } from './connection.js';
import { CliError } from '../core/errors.js';
import { contentJsonViews, contentTextRenderers } from './content.js';
import { backupTextRenderers } from './backup.js';
import { selftestTextRenderers } from './selftest.js';
import { exportJsonViews, exportTextRenderers } from './export.js';
import { versionsTextRenderers } from './versions.js';
import { table } from './table.js';
import { poolerLines, poolerTextRenderers } from './pooler.js';
import { readOnlyLine, replicationLines } from './replication.js';
import { snapshotTextRenderers } from './snapshot.js';

/**
 * Renders command results: json (one document), env (sh-eval-able), or text for people.
 * Data goes to stdout; talk never passes through here.
 */
export type Format = 'text' | 'json' | 'env' | 'csv' | ToolFormat;

export interface RenderOptions {
  format: Format;
  color: boolean;
}

type Paint = (text: string, code: number) => string;

const textRenderers: Record<string, (data: never, paint: Paint) => string> = {
  status: renderStatus as (d: never, p: Paint) => string,
  credentials: renderCredentials as (d: never) => string,
  manage: (d: ManageData) => d.message,
  'manage-upgrade': (d: { message: string }) => d.message,
  'versions-install-extension': (d: { message: string }) => d.message,
  info: (d: Record<string, unknown>) =>
    Object.entries(d)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`)
      .join('\n'),
  ...contentTextRenderers,
  ...backupTextRenderers,
  ...selftestTextRenderers,
  ...exportTextRenderers,
  ...versionsTextRenderers,
  ...poolerTextRenderers,
  ...snapshotTextRenderers,
} as Record<string, (data: never, paint: Paint) => string>;

/** Fields a kind keeps for its own renderers but leaves out of the JSON contract. */
const jsonViews: Record<string, (data: never) => unknown> = {
  credentials: ({ views: _views, note: _note, passfile: _passfile, ...rest }: CredentialsData) => rest,
  ...contentJsonViews,
  ...exportJsonViews,
} as Record<string, (data: never) => unknown>;

/** Results that are streams (logs --follow, content execute): printed line by line as they come. */
export function streamOf(res: CommandResult): AsyncIterable<string> | undefined {
  if (res.lines) return res.lines;
  if (res.kind === 'content-execute' && res.data) return executeLines(res.data as ExecuteStream);
  return undefined;
}

export function render(res: CommandResult, opts: RenderOptions): string {
  if (opts.format === 'json') {
    const view = jsonViews[res.kind];
    return `${JSON.stringify(view ? view(res.data as never) : res.data, null, 2)}\n`;
  }
  // Files written with --out: the tool formats print what was written.
  if (res.kind === 'credentials-files') return `${(res.data as { message: string }).message}\n`;
  if (isToolFormat(opts.format)) {
    if (res.kind !== 'credentials') {
      throw new CliError('usage', `--format ${opts.format} is not available for ${res.kind}`, {
        hint: 'it is a credentials format: resource-postgres credentials --format ' + opts.format,
      });
    }
    const d = res.data as CredentialsData;
    return renderToolFormat(opts.format, d.views, d.passfile);
  }
  if (opts.format === 'env') {
    if (res.kind !== 'credentials' && res.kind !== 'content-get') {
      throw new CliError('usage', `--format env is not available for ${res.kind}`, {
        hint: 'use --format text or --format json',
      });
    }
    const d = res.data as CredentialsData;
    // Nothing configured: a shell comment, so `eval "$(...)"` still runs cleanly.
    if (d.note && d.views.length === 0) return `# ${d.note}\n`;
    return `${d.views.flatMap((v) => envLines(v)).join('\n')}\n`;
  }
  const renderer = textRenderers[res.kind];
  const paint: Paint = opts.color ? (t, c) => `\x1b[${c}m${t}\x1b[0m` : (t) => t;
  const text = renderer ? renderer(res.data as never, paint) : JSON.stringify(res.data, null, 2);
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

/** status --verbose: the home's spares (README "Instant instances"). */
function spareLines(spares: NonNullable<StatusData['spares']>): string[] {
  if (spares.length === 0) return ['spares: none'];
  const rows = [
    ['SPARE ENGINE', 'MAJOR', 'STATE', 'AGE'],
    ...spares.map((s) => [s.engine, s.major ?? '-', s.state, s.age]),
  ];
  return ['spares:', table(rows)];
}

function renderStatus(d: StatusData, paint: Paint): string {
  const verdict = d.healthy
    ? paint('healthy', 32)
    : d.running
      ? paint('unhealthy', 31)
      : paint(d.installed ? 'not running' : 'not installed', 33);
  const lines = [
    `postgres: ${verdict} - ${d.health_message}`,
    `instances: ${d.total_instances} (${d.running_instances} running, ${d.healthy_instances} healthy; max ${d.max_instances}, ports ${d.port_range_start}-${d.port_range_end})`,
    `home: ${d.home} (${d.home_source})`,
  ];
  if (d.instances.length) {
    // --verbose (notes present) adds whom each server runs as.
    const verbose = d.notes !== undefined;
    const rows = [['NAME', 'ENGINE', 'STATE', 'HEALTHY', 'PORT', 'TEMPLATE', 'DATABASE', 'USER', 'VERSION']];
    if (verbose) rows[0]!.push('OS USER');
    for (const i of d.instances) {
      rows.push([
        i.name,
        i.engine,
        i.state,
        i.healthy ? 'yes' : 'no',
        String(i.port ?? '-'),
        i.template ?? '-',
        i.database ?? '-',
        i.user ?? '-',
        i.version ?? '-',
        ...(verbose ? [i.server_user ?? '-'] : []),
      ]);
    }
    lines.push('', table(rows));
    lines.push(...poolerLines(d.instances), ...replicationLines(d.instances));
    const notes = d.instances.filter((i) => !i.healthy).map((i) => `  ${i.name}: ${i.health_message}`);
    if (notes.length) lines.push('', ...notes);
  }
  if (d.notes?.length) lines.push('', ...d.notes.map((n) => `note: ${n}`));
  if (d.spares) lines.push('', ...spareLines(d.spares));
  return lines.join('\n');
}

function renderCredentials(d: CredentialsData): string {
  if (d.note && d.views.length === 0) return d.note;
  return d.views
    .map(
      (v, n) =>
        renderConnection(v, d.connections[n]!.metadata.url, d.connections[n]!.metadata.version) +
        readOnlyLine(d.connections[n]!),
    )
    .join('\n\n');
}
