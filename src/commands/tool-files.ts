import type { ConnectionView } from '../core/connection.js';
import { usageError } from '../core/errors.js';
import {
  PASSWORD_FORMATS,
  pgadminJson,
  pgpassText,
  pgwebToml,
  serviceText,
  type ToolFormat,
} from '../core/tool-config.js';
import { writeFiles } from './export/write-files.js';
import type { CredentialsOptions } from './options.js';
import { type CommandResult, result } from './result.js';

/**
 * Files for other tools from `credentials --format pgpass|service|pgadmin|pgweb --out DIR`.
 * pgpass and pgweb bookmarks exist to hold the password: asking for them with --out is asking
 * for the password, so it is written (0600, never printed); printed, it needs --show-secrets
 * like every other format. service and pgadmin never hold one (they point at a passfile).
 */
export const needsPassword = (f: ToolFormat | undefined) => f !== undefined && PASSWORD_FORMATS.includes(f);

export function checkToolSecrets(opts: CredentialsOptions): void {
  if (!needsPassword(opts.toolFormat) || opts.showSecrets || opts.out) return;
  throw usageError(
    `--format ${opts.toolFormat} holds the password, which is never printed unless asked for`,
    `add --show-secrets to print it, or --out DIR to write it into a 0600 file there`,
  );
}

const FILE_NAMES: Record<Exclude<ToolFormat, 'pgweb'>, string> = {
  pgpass: 'pgpass',
  service: 'pg_service.conf',
  pgadmin: 'servers.json',
};

export async function writeToolFiles(
  format: ToolFormat,
  out: string,
  views: ConnectionView[],
  passfile?: string,
): Promise<CommandResult<{ message: string; files: string[] }>> {
  const files =
    format === 'pgweb'
      ? views.map((v) => ({ name: `${v.instance}.toml`, text: pgwebToml(v) }))
      : [
          {
            name: FILE_NAMES[format],
            text:
              format === 'pgpass'
                ? pgpassText(views)
                : format === 'service'
                  ? serviceText(views, passfile)
                  : pgadminJson(views, passfile),
          },
        ];
  const written = await writeFiles(out, files);
  const use: Record<ToolFormat, string> = {
    pgpass: `PGPASSFILE=${written[0]}`,
    service: `PGSERVICEFILE=${written[0]} psql "service=${views[0]?.instance ?? 'NAME'}"`,
    pgadmin: `pgAdmin: Tools > Import/Export Servers, or setup.py load-servers ${written[0]}`,
    pgweb: `pgweb --bookmarks-dir ${out}`,
  };
  const message = `wrote ${written.join(', ')} (0600) for ${views.length} instance(s); use: ${use[format]}`;
  return result('credentials-files', { message, files: written });
}
