import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import { BAD_NAMES, CONF_DAMAGES, flagCases, VERBS } from '../support/bad-inputs.js';
import { mounted, mountReadOnly, mountSmallTmpfs, unmount } from '../support/mounts.js';
import {
  credentials,
  engineArgs,
  expectRefused,
  forceCleanup,
  freePort,
  psql,
  statusJson,
  worldState,
} from '../support/reliability.js';

/**
 * Bad input, through the real CLI, against a home that already holds a running instance per
 * engine: every case exits non-zero with one message naming the input, prints no stack, and
 * leaves the home, the relocated data and the docker objects exactly as they were.
 */
const engines = await enginesUnderTest();
const withDocker = engines.includes('docker');
const canMount = await mounted.available();
// Root can always mount here; in CI these cases must run, never skip.
if (!canMount && process.env.CI)
  throw new Error('CI requires the read-only and full-filesystem cases, but mounting is not possible (run as root)');

let home: string;
let before: string;
const cli = (...args: string[]) => runCli(args, { home });
const unchanged = async () => expect(await worldState(home, withDocker)).toBe(before);
const keep = (engine: string) => `keep-${engine}`;

beforeAll(async () => {
  home = await tempHome('rp-bad-');
  const created = await Promise.all(
    engines.map((e) => cli('manage', 'start', '--instance', keep(e), '--template', 'minimal', ...engineArgs(e))),
  );
  for (const r of created) expect(r.code, r.stderr).toBe(0);
  before = await worldState(home, withDocker);
}, 180_000);
afterAll(async () => {
  await forceCleanup(home);
}, 120_000);

describe.concurrent.each(engines)('instance names on the %s engine', (engine) => {
  it.each(BAD_NAMES)('manage start --instance %j is refused', async (name, mention) => {
    expectRefused(await cli('manage', 'start', '--instance', name, ...engineArgs(engine)), mention);
    await unchanged();
  });
});

describe.concurrent('instance names on every verb, and from the environment', () => {
  const verbs = VERBS;
  it.each(verbs)('%s --instance ../x is refused', async (...verb) => {
    expectRefused(await cli(...verb, '--instance', '../x'), '"../x"');
    await unchanged();
  });

  it('RESOURCE_POSTGRES_INSTANCE=a/b is refused', async () => {
    expectRefused(await runCli(['manage', 'start'], { home, env: { RESOURCE_POSTGRES_INSTANCE: 'a/b' } }), '"a/b"');
    await unchanged();
  });
});

describe.each(engines)('ports on the %s engine', (engine) => {
  it.each([['80'], ['5432'], ['5500'], ['-1'], ['abc'], ['5433.5']])('--port %s is refused', async (port) => {
    expectRefused(
      await cli('manage', 'start', '--instance', 'fresh', '--port', port, ...engineArgs(engine)),
      `"${port}"`,
    );
    await unchanged();
  });

  it('a port held by a foreign listener is refused, naming the process', async () => {
    const port = await freePort(5480);
    const server: Server = await new Promise((resolve) => {
      const s = createServer().listen(port, '127.0.0.1', () => resolve(s));
    });
    try {
      const r = await cli('manage', 'start', '--instance', 'fresh', '--port', String(port), ...engineArgs(engine));
      expectRefused(r, `port ${port} is already taken by pid ${process.pid}`);
      expect(r.stderr).toMatch(/hint: .*kill \d+/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await unchanged();
  });

  it('a port claimed by another instance is refused, naming it', async () => {
    const claimed = (await statusJson(home)).doc.instances.find((i: { name: string }) => i.name === keep(engine)).port;
    expectRefused(
      await cli('manage', 'start', '--instance', 'fresh', '--port', String(claimed), ...engineArgs(engine)),
      `instance ${keep(engine)}`,
    );
    await unchanged();
  });
});

describe.concurrent('verbs, flags and values', () => {
  const cases = flagCases(keep(engines[0]!));
  it.each(cases)('%j is refused naming %s', async (args, mention) => {
    expectRefused(await cli(...args), mention);
    await unchanged();
  });

  it('--verbose adds no stack trace to a usage error', async () => {
    expectRefused(await cli('manage', 'start', '--instance', '../x', '--verbose'), '"../x"');
  });
});

describe('content inputs are refused before any connection', () => {
  const target = () => keep(engines.includes('native') ? 'native' : 'docker');
  it.each([
    [['content', 'create-database', 'x"; DROP DATABASE vrooli; --'], /DROP DATABASE|identifier|not available/],
    [['content', 'add', '--type', 'database', '--name', 'a;b'], /a;b|identifier|not available/],
    [['content', 'execute', '--database', "vrooli' OR 1=1", 'SELECT 1'], /OR 1=1|identifier|not available/],
    [['content', 'add', '--file', '/nonexistent/schema.sql'], /nonexistent|not available/],
  ])('%j', async (args, mention) => {
    expectRefused(await cli(...args, '--instance', target()), mention);
    const env = await credentials(home, target());
    expect((await psql(env.POSTGRES_ADMIN_URL!, "SELECT count(*) FROM pg_database WHERE datname = 'vrooli'")).out).toBe(
      '1',
    );
    await unchanged();
  });

  it('a directory given as a file', async () => {
    expectRefused(
      await cli('content', 'execute', '--file', home, '--instance', target()),
      new RegExp(`${home}|director|not available`),
    );
    await unchanged();
  });
});

describe.each(engines)('a damaged instance.conf of the %s instance', (engine) => {
  const conf = () => join(home, keep(engine), 'config', 'instance.conf');
  const damages = CONF_DAMAGES;
  it.each(damages)(
    '%s: reported with its path, never replaced or acted on',
    async (_what, damage, why) => {
      const original = await readFile(conf(), 'utf8');
      const damaged = damage(original);
      await writeFile(conf(), damaged, { mode: 0o600 });
      try {
        before = await worldState(home, withDocker);
        const status = await statusJson(home);
        expect(status.code).toBe(1);
        const entry = status.doc.instances.find((i: { name: string }) => i.name === keep(engine));
        expect(entry).toMatchObject({ healthy: false });
        expect(entry.health_message).toContain(conf());
        expect(status.doc.running_instances).toBe(engines.length - 1); // unknown is not counted as running
        for (const args of [
          ['manage', 'start'],
          ['manage', 'stop'],
          ['manage', 'restart'],
          ['credentials'],
          ['manage', 'uninstall', '--force'],
        ]) {
          const r = await cli(...args, '--instance', keep(engine));
          expectRefused(r, conf());
          expect(r.stderr).toMatch(why);
        }
        expect(await readFile(conf(), 'utf8')).toBe(damaged);
        await unchanged();
      } finally {
        await writeFile(conf(), original, { mode: 0o600 });
        before = await worldState(home, withDocker);
      }
      // The server was never touched: it still answers.
      expect((await statusJson(home, '--instance', keep(engine))).doc.instances[0].healthy).toBe(true);
    },
    60_000,
  );
});

describe.skipIf(!canMount)('a read-only home (the home bind-mounted read-only onto itself)', () => {
  beforeAll(async () => {
    await mountReadOnly(home);
  });
  afterAll(async () => {
    await unmount(home);
  });

  it.each(engines)('creating a %s instance is refused naming the home', async (engine) => {
    expectRefused(await cli('manage', 'start', '--instance', 'fresh', ...engineArgs(engine)), home);
    await unchanged();
  });

  it.each(engines)(
    'stop and uninstall of the %s instance are refused before anything is removed',
    async (engine) => {
      expectRefused(await cli('manage', 'stop', '--instance', keep(engine)), home);
      expectRefused(await cli('manage', 'uninstall', '--instance', keep(engine), '--force'), home);
      expectRefused(await cli('manage', 'uninstall', '--force'), home);
      await unchanged();
      const env = await credentials(home, keep(engine));
      expect((await psql(env.DATABASE_URL!, 'SELECT 1')).out).toBe('1');
    },
    60_000,
  );

  it('status still reports (it only reads)', async () => {
    const status = await statusJson(home);
    expect(status.code).toBe(0);
    expect(status.doc.healthy_instances).toBe(engines.length);
  });
});

describe.skipIf(!canMount).each(engines)('a home on a full filesystem (%s)', (engine) => {
  let full: string;
  let filled: string;
  beforeAll(async () => {
    full = await mkdtemp(join(tmpdir(), 'rp-full-'));
    await mountSmallTmpfs(full, '256k');
    filled = await worldState(full, withDocker);
  });
  afterAll(async () => {
    await unmount(full).catch(() => undefined);
    await forceCleanup(full).catch(() => undefined);
  }, 60_000);

  it('creating an instance is refused saying the disk is full; nothing is left', async () => {
    const r = await runCli(['manage', 'start', '--instance', 'f1', ...engineArgs(engine)], { home: full });
    expectRefused(r, full);
    expect(r.stderr).toMatch(/no space left|ENOSPC/);
    expect(await worldState(full, withDocker)).toBe(filled);
    // A second try is refused the same way at once: no empty lock file was left to wait for.
    const t0 = Date.now();
    expectRefused(
      await runCli(['manage', 'start', '--instance', 'f1', ...engineArgs(engine)], { home: full }),
      /no space left|ENOSPC/,
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await worldState(full, withDocker)).toBe(filled);
    expect((await statusJson(full)).code).toBe(2);
  }, 60_000);
});
