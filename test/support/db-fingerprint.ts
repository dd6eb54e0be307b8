import { spawn } from 'node:child_process';
import type { CliRun } from './cli.js';
import type { ContentInstance } from './content-instance.js';

/**
 * What a database holds, as rows that compare equal only when two databases hold the same:
 * every table, view and sequence of the user's schemas with its columns, comment and an md5
 * of its rows in a fixed order (server-side text, so encodings compare byte for byte), and
 * every function and rule by an md5 of its definition.
 */
const FINGERPRINT = `
SELECT n.nspname || '.' || c.relname AS object, c.relkind::text AS kind,
  (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
     FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
  obj_description(c.oid, 'pg_class') AS comment,
  (xpath('/row/h/text()', query_to_xml(format(
     CASE c.relkind WHEN 'S' THEN 'SELECT md5(last_value || '' '' || is_called) AS h FROM %I.%I'
     ELSE 'SELECT md5(coalesce(string_agg(t::text, E''\\n'' ORDER BY t::text COLLATE "C"), '''')) AS h FROM %I.%I t' END,
     n.nspname, c.relname), false, true, '')))[1]::text AS content
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_t%'
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text, 'f', NULL, NULL, md5(pg_get_functiondef(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prokind IN ('f', 'p')
UNION ALL
SELECT 'rule ' || r.rulename, 'R', NULL, NULL, md5(pg_get_ruledef(r.oid))
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND r.rulename <> '_RETURN'
ORDER BY 1`;

export async function fingerprint(ct: ContentInstance, database: string): Promise<Array<Record<string, unknown>>> {
  const [result] = await ct.sql(database, FINGERPRINT);
  return result!.rows;
}

/** libpq's environment for the instance's credentials (PGPASSWORD, never on the command line). */
export async function psqlEnv(ct: ContentInstance): Promise<NodeJS.ProcessEnv> {
  const creds = await ct.cli(['credentials', '--format', 'json', '--show-secrets']);
  const conn = JSON.parse(creds.stdout).connections[0];
  return {
    PGHOST: conn.connection.host,
    PGPORT: String(conn.connection.port),
    PGUSER: conn.auth.username,
    PGPASSWORD: conn.auth.password,
    PGSSLMODE: 'disable',
  };
}

/** `psql -X -v ON_ERROR_STOP=1 -f FILE DB`, as the comparison's reference. */
export function runPsql(file: string, database: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const { PGCLIENTENCODING: _ignored, ...inherited } = process.env;
    const child = spawn('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-f', file, '-d', database], {
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) =>
      reject(new Error(`psql is needed for the comparison (apt-get install postgresql-client): ${e.message}`)),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
