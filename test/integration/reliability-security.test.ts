import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionUrl, connectionView, envLines } from '../../src/core/connection.js';
import { generatePassword, type Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import {
  credentials,
  docker,
  engineArgs,
  forceCleanup,
  psql,
  relocationBase,
  run,
  spawnCli,
} from '../support/reliability.js';

/**
 * Secrets and exposure: file modes, the password kept out of every process argument list,
 * log and message, loopback-only ports, and scram-sha-256 over TCP.
 */
const engines = await enginesUnderTest();

/** Every distinct command line (and, for processes under `envOf`, environment) seen while `until` runs. */
async function sampleProcesses(
  until: Promise<unknown>,
  envOf: string[],
): Promise<{ args: Set<string>; envs: Set<string> }> {
  const args = new Set<string>();
  const envs = new Set<string>();
  let done = false;
  void until.finally(() => {
    done = true;
  });
  while (!done) {
    for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
      const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim();
      if (!cmd) continue;
      args.add(cmd);
      if (envOf.some((e) => cmd.includes(e))) envs.add(await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => ''));
    }
  }
  return { args, envs };
}

/** LISTEN sockets on `port` from /proc/net/tcp{,6}: their local addresses in kernel hex. */
async function listeners(port: number): Promise<string[]> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(file, 'utf8')).split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') out.push(cols[1].split(':')[0]!);
    }
  }
  return out;
}

describe.each(engines)('security on the %s engine', (engine) => {
  let home: string;
  let password: string;
  let env: Record<string, string>;
  let seen: { args: Set<string>; envs: Set<string> };
  const cli = (...args: string[]) => runCli(args, { home });

  beforeAll(async () => {
    home = await tempHome(`rp-sec-${engine}-`);
    const start = spawnCli(
      ['manage', 'start', '--instance', 'sec', '--template', 'minimal', ...engineArgs(engine)],
      home,
    );
    seen = await sampleProcesses(start.done, [relocationBase(home), home]);
    const r = await start.done;
    expect(r.code, r.stderr).toBe(0);
    env = await credentials(home, 'sec');
    password = env.POSTGRES_PASSWORD!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  }, 180_000);
  afterAll(async () => {
    await forceCleanup(home);
  }, 120_000);

  it("the password is in no process argument list during start (nor in our processes' environment)", () => {
    // Proof the sampler saw the start's processes at all.
    const ours = [...seen.args].filter((a) =>
      engine === 'native' ? /initdb|pg_ctl|postgres -D/.test(a) : /^postgres -c /.test(a),
    );
    expect(ours.length).toBeGreaterThan(0);
    expect([...seen.args].filter((a) => a.includes(password))).toEqual([]);
    if (engine === 'native') expect([...seen.envs].filter((e) => e.includes(password))).toEqual([]);
  });

  it('instance.conf is 0600; no file or directory in the home is readable or writable by others', async () => {
    expect((await lstat(join(home, 'sec', 'config', 'instance.conf'))).mode & 0o777).toBe(0o600);
    expect((await lstat(join(home, 'sec', 'config'))).mode & 0o777).toBe(0o700);
    const loose: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
        const st = await lstat(path);
        // HOME names which home a relocated <hash> directory belongs to: public by design.
        if (st.isSymbolicLink() || (dir === relocationBase(home) && name === 'HOME')) continue;
        // Directories may be enter-only (0711) so the native server user can pass through;
        // server-conf/ is root's and readable by the server's own group only (one user per instance).
        const serverGroup = engine === 'native' && path.includes('/server-conf') && st.uid === 0 && st.gid !== 0;
        if (st.mode & (serverGroup ? 0o026 : 0o066)) loose.push(`${path} ${(st.mode & 0o777).toString(8)}`);
        if (st.isDirectory()) await walk(path);
      }
    };
    await walk(home);
    if (engine === 'native') await walk(relocationBase(home));
    expect(loose).toEqual([]);
  });

  it('the password is in no output without --show-secrets, in no log, in no error message', async () => {
    const outputs = await Promise.all([
      cli('status'),
      cli('status', '--json'),
      cli('status', '--verbose'),
      cli('credentials'),
      cli('credentials', '--json'),
      cli('credentials', '--format', 'env'),
      cli('credentials', '--all'),
      cli('logs', '--instance', 'sec', '--tail', '0'),
      cli('manage', 'start', '--instance', 'sec'),
    ]);
    for (const r of outputs) expect(r.stdout + r.stderr).not.toContain(password);
    expect(outputs[7]!.stdout.length).toBeGreaterThan(0);
    expect((await cli('credentials', '--instance', 'sec', '--json', '--show-secrets')).stdout).toContain(password);
    if (engine === 'docker')
      expect((await run('docker', ['logs', 'resource-postgres-sec'])).out).not.toContain(password);

    // Errors that involve the password (a wrong one recorded by hand) show neither.
    const conf = join(home, 'sec', 'config', 'instance.conf');
    const original = await readFile(conf, 'utf8');
    const wrong = `${password.slice(0, 16)}WRONG${password.slice(16)}`;
    await writeFile(conf, original.replace(password, wrong), { mode: 0o600 });
    try {
      const failed = await Promise.all([
        cli('manage', 'start', '--instance', 'sec', '--timeout', '2', '--verbose'),
        cli('status', '--verbose'),
        cli('manage', 'restart', '--instance', 'sec', '--timeout', '2', '--verbose'),
      ]);
      for (const r of failed) {
        expect(r.code).not.toBe(0);
        expect(r.stdout + r.stderr).not.toContain(password);
        expect(r.stdout + r.stderr).not.toContain(wrong);
      }
      expect((await cli('logs', '--instance', 'sec', '--tail', '0')).stdout).not.toContain(wrong);
    } finally {
      await writeFile(conf, original, { mode: 0o600 });
    }
    expect((await cli('manage', 'start', '--instance', 'sec')).code).toBe(0);
  }, 120_000);

  it('the port listens on 127.0.0.1 only', async () => {
    const port = Number(env.POSTGRES_PORT);
    const addrs = await listeners(port);
    expect(addrs.length).toBeGreaterThan(0);
    expect(addrs.every((a) => a === '0100007F')).toBe(true);
    if (engine === 'docker') {
      expect(await docker('port', 'resource-postgres-sec')).toBe(`5432/tcp -> 127.0.0.1:${port}`);
    }
  });

  it('TCP needs scram-sha-256: a wrong or empty password is refused', async () => {
    const wrongUrl = env.DATABASE_URL!.replace(encodeURIComponent(password), 'nope');
    const wrong = await psql(wrongUrl, 'SELECT 1');
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toMatch(/password authentication failed/);
    const empty = await run('psql', [
      '-X',
      '-w',
      '-h',
      '127.0.0.1',
      '-p',
      env.POSTGRES_PORT!,
      '-U',
      env.POSTGRES_USER!,
      '-d',
      env.POSTGRES_DB!,
      '-c',
      'SELECT 1',
    ]);
    expect(empty.code).not.toBe(0);
    expect(empty.err).toMatch(/password/);

    const facts = await psql(
      env.DATABASE_URL!,
      [
        'SHOW password_encryption',
        'SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = current_user',
        // Host rules reachable from outside the server (the docker image trusts its own loopback).
        "SELECT coalesce(string_agg(DISTINCT auth_method, ','), 'none') FROM pg_hba_file_rules WHERE type LIKE 'host%' AND address NOT IN ('127.0.0.1', '::1')",
        "SELECT coalesce(string_agg(DISTINCT auth_method, ','), 'none') FROM pg_hba_file_rules WHERE type LIKE 'host%'",
      ].join('; '),
    );
    const [encryption, stored, outside, all] = facts.out.split('\n');
    expect(encryption).toBe('scram-sha-256');
    expect(stored).toBe('SCRAM-SHA-256$');
    if (engine === 'native') expect(all).toBe('scram-sha-256');
    else expect(outside).toBe('scram-sha-256');
  });
});

describe('passwords and URLs (unit level)', () => {
  const instance = (password: string, user = 'vrooli'): Instance => ({
    name: 'x',
    engine: 'native',
    port: 5433,
    host: '127.0.0.1',
    user,
    password: new Secret(password),
    database: 'app db',
    template: 'minimal',
    created: '',
    desiredState: 'running',
    extra: {},
  });

  it.each(['p@ss:w/rd?#%&\'" é+=', 'a b', '%41', '@@', "it's"])(
    '%j is URL-encoded in every printed URL and round-trips',
    async (pw) => {
      const view = connectionView(instance(pw, 'us:er@x'), true);
      const lines = envLines(view);
      for (const url of [
        connectionUrl(view),
        ...lines.filter((l) => /_URL=/.test(l)).map((l) => l.slice(l.indexOf('=') + 2, -1).replace(/'\\''/g, "'")),
      ]) {
        const parsed = new URL(url);
        expect(decodeURIComponent(parsed.password)).toBe(pw);
        expect(decodeURIComponent(parsed.username)).toBe('us:er@x');
        expect(parsed.host).toBe('127.0.0.1:5433');
      }
      // The env lines are what `eval` gives back, character for character.
      const r = await run('sh', ['-c', `${lines.join('\n')}\nprintf '%s' "$POSTGRES_PASSWORD"`]);
      expect(r.out).toBe(pw.trim());
    },
  );

  it('masked views carry no password anywhere', () => {
    const secret = 'Sup3r-s3cret_value';
    const i = instance(secret);
    const masked = connectionView(i, false);
    expect(
      JSON.stringify([masked, envLines(masked), connectionUrl(masked), i, inspect(i), String(i.password)]),
    ).not.toContain(secret);
  });

  it('passwords come from the CSPRNG: 32 URL-safe characters, never repeated', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 2000; n++) {
      const pw = generatePassword().reveal();
      expect(pw).toMatch(/^[A-Za-z0-9_-]{32}$/);
      seen.add(pw);
    }
    expect(seen.size).toBe(2000);
  });
});
