import { describe, expect, it } from 'vitest';
import { isProgramRole, leaveOutProgramRoles } from '../../src/postgres/backup/globals-sql.js';

// pg_dumpall --globals-only of a primary with a replica and a pooler (abridged, as PG 16+ writes it).
const GLOBALS = [
  'CREATE ROLE postgres;',
  "ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS PASSWORD 'SCRAM-SHA-256$a';",
  'CREATE ROLE vrooli;',
  "ALTER ROLE vrooli WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$b';",
  'CREATE ROLE rp_replica_r1;',
  "ALTER ROLE rp_replica_r1 WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN REPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$c';",
  'CREATE ROLE resource_pooler;',
  "ALTER ROLE resource_pooler WITH NOSUPERUSER NOINHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$d';",
  'CREATE ROLE resource_pooler_admin;',
  'GRANT vrooli TO resource_pooler WITH INHERIT TRUE GRANTED BY postgres;',
  'GRANT resource_pooler_admin TO vrooli GRANTED BY postgres;',
  "COMMENT ON ROLE rp_replica_r1 IS 'x';",
].join('\n');

describe('globals replayed into another instance', () => {
  it('leave out the roles the program made for the source, and every statement naming them', () => {
    const out = leaveOutProgramRoles(GLOBALS);
    expect(out).not.toMatch(/resource_pooler\b|rp_replica_r1\b|SCRAM-SHA-256\$[cd]/);
    // Another role that only shares a prefix, and the instance's own roles, stay.
    expect(out).toMatch(/^CREATE ROLE resource_pooler_admin;$/m);
    expect(out).toMatch(/^GRANT resource_pooler_admin TO vrooli/m);
    expect(out).toMatch(/^ALTER ROLE vrooli WITH /m);
    expect(out).toMatch(/^CREATE ROLE postgres;$/m);
  });

  it('change nothing without such roles', () => {
    const plain = 'CREATE ROLE vrooli;\nGRANT pg_read_all_data TO vrooli;';
    expect(leaveOutProgramRoles(plain)).toBe(plain);
  });

  it('know the program roles by name only', () => {
    expect(isProgramRole('resource_pooler')).toBe(true);
    expect(isProgramRole('rp_replica_a_b')).toBe(true);
    expect(isProgramRole('rp_replica')).toBe(false);
    expect(isProgramRole('app')).toBe(false);
  });
});
