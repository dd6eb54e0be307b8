import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';
import { draftInstance } from '../../src/commands/manage/create.js';
import { start } from '../../src/commands/manage/index.js';
import type { StartOptions } from '../../src/commands/options.js';
import { asDataCredentials, credentialsOf, withCredentials } from '../../src/core/data-credentials.js';
import { appRoleOf, asAdmin, databaseOwner } from '../../src/core/instance.js';
import { getTemplate, TEMPLATE_NAMES } from '../../src/core/templates.js';
import { appRoleStatements } from '../../src/postgres/app-role.js';
import { keepRoleAsIs } from '../../src/postgres/backup/globals-sql.js';
import { scramVerifier } from '../../src/postgres/scram.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

/** --app-role: the pure parts (defaults per template, the role's statements, credentials that travel). */
let w: FakeWorld;
beforeEach(async () => {
  w = await fakeWorld();
});
afterEach(async () => {
  await w.cleanup();
});

describe('default per template', () => {
  it('production hands out an owner; the throwaway and local templates a superuser', () => {
    const roles = Object.fromEntries(TEMPLATE_NAMES.map((t) => [t, getTemplate(t).app_role]));
    expect(roles).toEqual({
      development: 'superuser',
      production: 'owner',
      testing: 'superuser',
      minimal: 'superuser',
    });
  });

  it.each([
    ['production', undefined, 'owner'],
    ['development', undefined, 'superuser'],
    ['development', 'owner', 'owner'],
    ['production', 'superuser', 'superuser'],
  ] as const)('template %s with --app-role %s -> %s', (template, appRole, want) => {
    const draft = draftInstance(w.ctx, 'app', { engine: 'docker', template, appRole }, 'docker');
    expect(appRoleOf(draft)).toBe(want);
    if (want === 'owner') {
      expect(draft.admin!.user).not.toBe(draft.user);
      expect(draft.admin!.password.reveal()).not.toBe(draft.password.reveal());
      expect(asAdmin(draft).user).toBe(draft.admin!.user);
      expect(databaseOwner(draft)).toBe(draft.user);
    } else {
      expect(asAdmin(draft)).toBe(draft);
      expect(databaseOwner(draft)).toBeUndefined();
    }
  });
});

describe('--app-role on the command line', () => {
  const penv = { env: {}, homeInUse: () => '/tmp/home-in-use' };
  it.each([
    ['manage start --app-role owner', 'manage.start', { appRole: 'owner' }],
    ['start --app-role superuser', 'manage.start', { appRole: 'superuser' }],
    ['install --app-role owner', 'manage.install', { appRole: 'owner' }],
    ['manage start', 'manage.start', { appRole: undefined }],
    ['credentials --admin', 'credentials', { admin: true }],
    ['credentials', 'credentials', { admin: false }],
  ])('%s', async (line, command, options) => {
    const inv = await parseArgv(line.split(' '), penv);
    expect(inv.kind === 'run' && inv.command).toBe(command);
    if (inv.kind === 'run') expect(inv.options).toMatchObject(options);
  });

  it('refuses a role that is neither', async () => {
    await expect(parseArgv(['manage', 'start', '--app-role', 'admin'], penv)).rejects.toThrow(
      /invalid --app-role "admin": choose one of owner, superuser/,
    );
  });

  it('refuses --app-role that contradicts an existing instance', async () => {
    const opts: StartOptions = {
      instance: 'main',
      all: false,
      engine: 'auto',
      wait: true,
      timeoutSec: 5,
      force: false,
      dryRun: false,
    };
    await start(w.ctx, opts);
    await expect(start(w.ctx, { ...opts, appRole: 'owner' })).rejects.toThrow(
      /already exists with --app-role superuser; --app-role owner applies only when creating/,
    );
    await expect(start(w.ctx, { ...opts, appRole: 'superuser' })).resolves.toBeDefined();
  });
});

describe('the application role', () => {
  it('is a login role that is no superuser and cannot make roles, databases or replicate', () => {
    const [role, owner] = appRoleStatements('app_user', 'appdb', 'SCRAM-SHA-256$4096:c2FsdA==$a:b', false);
    expect(role).toMatch(
      /^CREATE ROLE "app_user" WITH LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS/,
    );
    expect(role).toContain("PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a:b'");
    expect(owner).toBe('ALTER DATABASE "appdb" OWNER TO "app_user"');
    expect(appRoleStatements('app_user', 'appdb', 'v', true)[0]).toMatch(
      /^ALTER ROLE "app_user" WITH LOGIN NOSUPERUSER/,
    );
  });

  it('gets a SCRAM verifier, never the password, computed as RFC 5802 says', () => {
    const salt = Buffer.from('0123456789abcdef');
    const v = scramVerifier('pw-Secret_1', salt, 4096);
    expect(v).not.toContain('pw-Secret_1');
    const salted = pbkdf2Sync('pw-Secret_1', salt, 4096, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const stored = createHash('sha256').update(clientKey).digest().toString('base64');
    const server = createHmac('sha256', salted).update('Server Key').digest().toString('base64');
    expect(v).toBe(`SCRAM-SHA-256$4096:${salt.toString('base64')}$${stored}:${server}`);
    // A fresh salt each time: two verifiers of one password differ.
    expect(scramVerifier('x')).not.toBe(scramVerifier('x'));
  });
});

describe('credentials that travel with the data', () => {
  it('carry both roles in owner mode and put them back', () => {
    const owner = draftInstance(w.ctx, 'app', { engine: 'native', template: 'production' }, 'native');
    const creds = credentialsOf(owner);
    expect(creds).toMatchObject({ user: owner.user, admin_user: owner.admin!.user });
    const other = draftInstance(w.ctx, 'b', { engine: 'native', template: 'development' }, 'native');
    const restored = withCredentials(other, asDataCredentials(JSON.parse(JSON.stringify(creds)))!);
    expect(restored.admin!.password.reveal()).toBe(owner.admin!.password.reveal());
    expect(restored.password.reveal()).toBe(owner.password.reveal());
  });

  it('a superuser-mode backup restored into an owner instance leaves it with one role, as the data has', () => {
    const owner = draftInstance(w.ctx, 'app', { engine: 'native', template: 'production' }, 'native');
    const superCreds = credentialsOf(draftInstance(w.ctx, 'b', { engine: 'native' }, 'native'));
    expect(superCreds.admin_user).toBeUndefined();
    expect(withCredentials(owner, superCreds).admin).toBeUndefined();
  });

  it('refuses a document with half an admin pair', () => {
    expect(asDataCredentials({ user: 'a', password: 'p', database: 'd', admin_user: 'x' })).toBeUndefined();
    expect(asDataCredentials({ user: 'a', password: 'p' })).toBeUndefined();
    expect(asDataCredentials({ user: 'a', password: 'p', database: 'd' })).toEqual({
      user: 'a',
      password: 'p',
      database: 'd',
    });
  });
});

describe('a logical replay into an owner instance', () => {
  const globals = [
    'CREATE ROLE vrooli;',
    "ALTER ROLE vrooli WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:x$y:z';",
    'CREATE ROLE reporter;',
    "ALTER ROLE reporter WITH LOGIN PASSWORD 'r';",
    'GRANT pg_execute_server_program TO vrooli WITH INHERIT TRUE GRANTED BY postgres;',
    'GRANT pg_read_all_data TO vrooli;',
    'GRANT vrooli TO reporter WITH INHERIT TRUE GRANTED BY postgres;',
    'GRANT pg_monitor TO vrooli_other;',
  ].join('\n');

  it("leaves the application role's definition and memberships out, everything else in", () => {
    expect(keepRoleAsIs(globals, 'vrooli').split('\n')).toEqual([
      'CREATE ROLE vrooli;',
      'CREATE ROLE reporter;',
      "ALTER ROLE reporter WITH LOGIN PASSWORD 'r';",
      'GRANT vrooli TO reporter WITH INHERIT TRUE GRANTED BY postgres;',
      'GRANT pg_monitor TO vrooli_other;',
    ]);
  });

  it('matches quoted names', () => {
    const q = 'ALTER ROLE "App""X" WITH SUPERUSER;\nGRANT pg_read_server_files TO "App""X";\nSELECT 1;';
    expect(keepRoleAsIs(q, 'App"X')).toBe('SELECT 1;');
  });
});
