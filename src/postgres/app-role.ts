import type { Client } from 'pg';
import { asAdmin, type Instance } from '../core/instance.js';
import { withClient } from './client.js';
import { quoteIdent } from './identifiers.js';
import { scramVerifier } from './scram.js';

/**
 * App role owner: the role applications get is made (or put back) exactly as the contract
 * says, connected as the program's own superuser: LOGIN, not a superuser, unable to make
 * roles or databases, replicate or bypass row security; it owns the instance's database and
 * that database's public schema; its password is instance.conf's. Idempotent, so it also
 * repairs: a create cut short, or a restore whose role definitions made the role a superuser
 * (a backup taken in superuser mode) or gave it another password.
 */
export const APP_ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS INHERIT';

/** The statements, in order: pure, so the attribute list is tested without a server. */
export function appRoleStatements(role: string, database: string, verifier: string, exists: boolean): string[] {
  const r = quoteIdent(role);
  // The verifier is base64 and '$'/':' only: no quote can end the literal early.
  const password = `PASSWORD '${verifier.replace(/'/g, "''")}'`;
  return [
    `${exists ? 'ALTER' : 'CREATE'} ROLE ${r} WITH ${APP_ROLE_ATTRIBUTES} ${password}`,
    `ALTER DATABASE ${quoteIdent(database)} OWNER TO ${r}`,
  ];
}

/**
 * Roles that would give the application's role back what owner mode takes away: a superuser,
 * a role maker, replication, row-security bypass, or the predefined roles that run programs
 * and read or write server files. Memberships arrive with restored role definitions (a backup
 * taken in superuser mode); NOSUPERUSER alone would leave them, so each direct membership
 * that leads to one of these (through any chain) is revoked, as granted.
 */
const DANGEROUS_MEMBERSHIPS = `
  SELECT x.rolname AS role, g.rolname AS grantor
    FROM pg_auth_members m
    JOIN pg_roles x ON x.oid = m.roleid
    JOIN pg_roles g ON g.oid = m.grantor
   WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)
     AND EXISTS (SELECT 1 FROM pg_roles d
                  WHERE pg_has_role(x.oid, d.oid, 'MEMBER')
                    AND (d.rolsuper OR d.rolcreaterole OR d.rolreplication OR d.rolbypassrls
                         OR d.rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files')))`;

async function revokeDangerousMemberships(client: Client, role: string): Promise<void> {
  const rows = (await client.query<{ role: string; grantor: string }>(DANGEROUS_MEMBERSHIPS, [role])).rows;
  for (const m of rows)
    await client.query(`REVOKE ${quoteIdent(m.role)} FROM ${quoteIdent(role)} GRANTED BY ${quoteIdent(m.grantor)}`);
}

async function roleExists(client: Client, role: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1;
}

export async function ensureAppRole(instance: Instance, timeoutMs = 15_000): Promise<void> {
  if (!instance.admin) return; // superuser mode: the one role is made by initdb / the image
  const admin = asAdmin(instance);
  const verifier = scramVerifier(instance.password.reveal());
  await withClient(admin, { database: 'postgres', timeoutMs }, async (c) => {
    const exists = await roleExists(c, instance.user);
    for (const sql of appRoleStatements(instance.user, instance.database, verifier, exists)) await c.query(sql);
    if (exists) await revokeDangerousMemberships(c, instance.user);
  });
  // The public schema belongs to the database's owner too (PostgreSQL 15+ says so through
  // pg_database_owner; older majors give it to the bootstrap superuser).
  await withClient(admin, { database: instance.database, timeoutMs }, async (c) => {
    const publicSchema = await c.query("SELECT 1 FROM pg_namespace WHERE nspname = 'public'");
    if (publicSchema.rowCount === 1) await c.query(`ALTER SCHEMA public OWNER TO ${quoteIdent(instance.user)}`);
  });
}
