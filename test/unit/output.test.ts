import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentials } from '../../src/commands/credentials.js';
import { start } from '../../src/commands/manage/index.js';
import { status } from '../../src/commands/status/index.js';
import { connectionUrl, connectionView } from '../../src/core/connection.js';
import { Secret } from '../../src/core/secret.js';
import { render } from '../../src/output/render.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

let w: FakeWorld;
let password: string;
beforeEach(async () => {
  w = await fakeWorld();
  await start(w.ctx, {
    instance: 'main',
    all: false,
    engine: 'auto',
    wait: true,
    timeoutSec: 5,
    force: false,
    dryRun: false,
  });
  password = (await w.ctx.registry.get('main')).password.reveal();
});
afterEach(async () => {
  await w.cleanup();
});

const text = { format: 'text' as const, color: false };

describe('credentials rendering', () => {
  it('json follows the contract and masks the password', async () => {
    const out = render(await credentials(w.ctx, { instance: 'main', all: false, showSecrets: false }), {
      format: 'json',
      color: false,
    });
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ resource: 'postgres', status: 'running' });
    expect(doc.connections[0]).toMatchObject({
      id: 'main',
      credential_type: 'postgres',
      connection: { host: '127.0.0.1', port: 5433, database: 'vrooli', ssl: false },
      auth: { username: 'vrooli', password: '*****' },
    });
    expect(doc.views).toBeUndefined();
    expect(out).not.toContain(password);
  });

  it('text masks unless secrets are asked for', async () => {
    expect(render(await credentials(w.ctx, { instance: 'main', all: false, showSecrets: false }), text)).not.toContain(
      password,
    );
    expect(render(await credentials(w.ctx, { instance: 'main', all: false, showSecrets: true }), text)).toContain(
      password,
    );
  });

  it('env output is sh-evaluable and round-trips every variable', async () => {
    const out = render(await credentials(w.ctx, { instance: 'main', all: false, showSecrets: true }), {
      format: 'env',
      color: false,
    });
    const shown = execFileSync(
      'sh',
      [
        '-c',
        `${out}\nprintf '%s|%s|%s|%s' "$POSTGRES_PORT" "$POSTGRES_PASSWORD" "$DATABASE_URL" "$POSTGRES_ADMIN_URL"`,
      ],
      { encoding: 'utf8' },
    );
    expect(shown).toBe(
      `5433|${password}|postgres://vrooli:${password}@127.0.0.1:5433/vrooli?sslmode=disable|postgres://vrooli:${password}@127.0.0.1:5433/postgres?sslmode=disable`,
    );
    for (const name of [
      'POSTGRES_HOST',
      'POSTGRES_USER',
      'POSTGRES_DB',
      'POSTGRES_SSLMODE',
      'POSTGRES_URL',
      'POSTGRES_INSTANCE',
    ])
      expect(out).toMatch(new RegExp(`^${name}='`, 'm'));
  });

  it('URL-encodes special characters in user and password', () => {
    const view = connectionView(
      {
        name: 'x',
        engine: 'native',
        port: 5440,
        host: '127.0.0.1',
        user: 'app user',
        password: new Secret("p@ss:w/rd'%"),
        database: 'db',
        template: 'minimal',
        created: '',
        desiredState: 'running',
        extra: {},
      },
      true,
    );
    expect(connectionUrl(view)).toBe("postgres://app%20user:p%40ss%3Aw%2Frd'%25@127.0.0.1:5440/db?sslmode=disable");
  });

  it.each([
    ['an unknown instance', { instance: 'nope', all: false }, 'no instance nope'],
    ['--all in an empty home', { instance: 'main', all: true }, 'no instances'],
  ])('nothing configured (%s): exit 2, the contract shape in json, a note in text and env', async (_, sel, what) => {
    if (sel.all) await w.ctx.registry.remove('main');
    const res = await credentials(w.ctx, { ...sel, showSecrets: false });
    expect(res.exitCode).toBe(2);
    expect(render(res, { format: 'json', color: false })).toBe(
      `${JSON.stringify({ resource: 'postgres', status: 'stopped', connections: [] }, null, 2)}\n`,
    );
    const note = new RegExp(`^${what} in .*: nothing configured; create one with: resource-postgres manage start`);
    expect(render(res, text)).toMatch(note);
    const env = render(res, { format: 'env', color: false });
    expect(env).toMatch(/^# no instance/);
    expect(execFileSync('sh', ['-c', `${env}\necho evaluated`], { encoding: 'utf8' })).toBe('evaluated\n');
  });
});

describe('status rendering', () => {
  it('json is one document with the keys the platform reads', async () => {
    const out = render(await status(w.ctx, { fast: false }), { format: 'json', color: false });
    const doc = JSON.parse(out);
    for (const key of [
      'name',
      'category',
      'description',
      'installed',
      'running',
      'healthy',
      'health_message',
      'total_instances',
      'running_instances',
      'healthy_instances',
      'port',
      'database',
      'user',
      'connection_string',
      'image',
      'max_instances',
      'port_range_start',
      'port_range_end',
      'home',
      'instances',
    ]) {
      expect(doc).toHaveProperty(key);
    }
    for (const key of [
      'name',
      'engine',
      'state',
      'healthy',
      'port',
      'template',
      'database',
      'user',
      'version',
      'health_message',
    ])
      expect(doc.instances[0]).toHaveProperty(key);
    expect(out.endsWith('}\n')).toBe(true);
  });

  it('text shows a table with the instance and the home', async () => {
    const out = render(await status(w.ctx, { fast: false }), text);
    expect(out).toMatch(/^postgres: healthy/);
    expect(out).toMatch(/main\s+docker\s+running\s+yes\s+5433\s+development/);
    expect(out).toContain(w.ctx.home.dir);
  });

  it('env format is refused for status', async () => {
    expect(() => render({ kind: 'status', exitCode: 0, data: {} }, { format: 'env', color: false })).toThrow(
      /--format env is not available for status/,
    );
  });
});
