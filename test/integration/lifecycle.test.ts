import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, enginesUnderTest, runCli, tempHome, TEST_IMAGE } from '../support/cli.js';

/**
 * The whole life of instances through the real CLI, on each engine: real daemon or real
 * binaries, real servers, real connections. Each engine gets its own temp home.
 */
const engines = await enginesUnderTest();

function psql(env: Record<string, string>, sql: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'psql',
      ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, env.DATABASE_URL!],
      { timeout: 20_000 },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}`.trim() }),
    );
  });
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });
}

/** Parses `credentials --format env` output the way sh would (values are single-quoted). */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.trim().split('\n')) {
    const m = /^([A-Z_]+)='(.*)'$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/'\\''/g, "'");
  }
  return env;
}

describe.each(engines)('lifecycle on the %s engine', (engine) => {
  let home: string;
  const engineArgs = ['--engine', engine, ...(engine === 'docker' ? ['--image', TEST_IMAGE] : [])];
  const cli = (...args: string[]) => runCli(args, { home });

  beforeAll(async () => {
    home = await tempHome(`rp-life-${engine}-`);
  });
  afterAll(async () => {
    await destroyHome(home);
  });

  it('install brings up main healthy; the printed credentials work with psql', async () => {
    const install = await cli('manage', 'install', ...engineArgs);
    expect(install.stderr + install.stdout).toMatch(/installed/);
    expect(install.code).toBe(0);

    const status = await cli('status', '--json');
    expect(status.code).toBe(0);
    expect(status.stderr).toBe('');
    const doc = JSON.parse(status.stdout);
    expect(doc).toMatchObject({ installed: true, running: true, healthy: true, total_instances: 1 });
    expect(doc.instances[0]).toMatchObject({ name: 'main', engine, state: 'running', healthy: true });

    const creds = await cli('credentials', '--format', 'env', '--show-secrets');
    expect(creds.code).toBe(0);
    const env = parseEnv(creds.stdout);
    expect(Number(env.POSTGRES_PORT)).toBe(doc.port);
    const q = await psql(
      env,
      "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives'); SELECT count(*) FROM kept;",
    );
    expect(q).toEqual({ code: 0, out: expect.stringContaining('1') });

    const masked = await cli('credentials', '--json');
    expect(masked.stdout).not.toContain(env.POSTGRES_PASSWORD);
    expect(JSON.parse(masked.stdout).connections[0].auth.password).toBe('*****');
  }, 180_000);

  it('a second install and start are idempotent (exit 0, say so)', async () => {
    const again = await cli('manage', 'install');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already installed/);
    const start = await cli('manage', 'start');
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/already running/);
  });

  it('stop keeps data; status says not running (exit 2); start brings the data back', async () => {
    const stop = await cli('manage', 'stop');
    expect(stop.code).toBe(0);
    expect((await cli('manage', 'stop')).stdout).toMatch(/already stopped/);
    const status = await cli('status', '--json', '--fast');
    expect(status.code).toBe(2);
    expect(JSON.parse(status.stdout)).toMatchObject({ installed: true, running: false, healthy: false });

    expect((await cli('manage', 'start')).code).toBe(0);
    const env = parseEnv((await cli('credentials', '--format', 'env', '--show-secrets')).stdout);
    expect(await psql(env, 'SELECT v FROM kept')).toEqual({ code: 0, out: 'survives' });
  }, 120_000);

  it('restart keeps the password and the data', async () => {
    const before = parseEnv((await cli('credentials', '--format', 'env', '--show-secrets')).stdout);
    const restart = await cli('manage', 'restart');
    expect(restart.code).toBe(0);
    const after = parseEnv((await cli('credentials', '--format', 'env', '--show-secrets')).stdout);
    expect(after.POSTGRES_PASSWORD).toBe(before.POSTGRES_PASSWORD);
    expect(await psql(after, 'SELECT v FROM kept')).toEqual({ code: 0, out: 'survives' });
  }, 120_000);

  it("the next start makes the instance's database when a create cut short left none (stopped and running)", async () => {
    expect((await cli('manage', 'start', '--instance', 'cut', ...engineArgs)).code).toBe(0);
    const env = parseEnv((await cli('credentials', '--instance', 'cut', '--format', 'env', '--show-secrets')).stdout);
    const maintenance = { ...env, DATABASE_URL: env.DATABASE_URL!.replace(/\/[^/?]+(\?|$)/, '/postgres$1') };
    const drop = `DROP DATABASE ${env.POSTGRES_DB}`;
    try {
      expect(await psql(maintenance, drop)).toMatchObject({ code: 0 });
      expect((await cli('manage', 'stop', '--instance', 'cut')).code).toBe(0);
      const started = await cli('manage', 'start', '--instance', 'cut');
      expect(started.code, started.stderr).toBe(0);
      expect(started.stderr).toContain(`had no database ${env.POSTGRES_DB}; made it (empty)`);
      expect(await psql(env, 'SELECT current_database()')).toEqual({ code: 0, out: env.POSTGRES_DB });

      expect(await psql(maintenance, drop)).toMatchObject({ code: 0 });
      const running = await cli('manage', 'start', '--instance', 'cut');
      expect(running.code, running.stderr).toBe(0);
      expect(running.stdout).toMatch(/already running/);
      expect(await psql(env, 'SELECT current_database()')).toEqual({ code: 0, out: env.POSTGRES_DB });
    } finally {
      await cli('manage', 'uninstall', '--instance', 'cut', '--force');
    }
  }, 180_000);

  it('logs shows the server log, bounded by --tail', async () => {
    const logs = await cli('logs', '--tail', '5');
    expect(logs.code).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect((await cli('logs', '--instance', 'nosuch')).code).toBe(2);
  });

  it('a second instance gets another port; a stopped instance keeps its port claimed', async () => {
    const mainPort = JSON.parse((await cli('status', '--json')).stdout).port as number;
    expect((await cli('manage', 'start', '--instance', 'second', '--template', 'minimal', ...engineArgs)).code).toBe(0);
    expect((await cli('manage', 'stop', '--instance', 'second')).code).toBe(0);
    expect((await cli('manage', 'start', '--instance', 'third', '--template', 'testing', ...engineArgs)).code).toBe(0);
    const doc = JSON.parse((await cli('status', '--json')).stdout);
    const ports = Object.fromEntries(doc.instances.map((i: { name: string; port: number }) => [i.name, i.port]));
    expect(new Set([mainPort, ports.second, ports.third]).size).toBe(3);
    // second is stopped on purpose: the resource stays healthy.
    expect(doc.healthy).toBe(true);
    expect(doc.instances.find((i: { name: string }) => i.name === 'second').state).toBe('stopped');
  });

  it('8 concurrent starts of new instances get 8 distinct ports and all become healthy', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `par${i}`);
    const runs = await Promise.all(
      names.map((n) =>
        cli('manage', 'start', '--instance', n, '--template', 'minimal', ...engineArgs, '--timeout', '120'),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse((await cli('status', '--json')).stdout);
    const par = doc.instances.filter((i: { name: string }) => i.name.startsWith('par'));
    expect(par).toHaveLength(8);
    expect(new Set(par.map((i: { port: number }) => i.port)).size).toBe(8);
    for (const i of par) expect(i.healthy, `${i.name}: ${i.health_message}`).toBe(true);
  }, 300_000);

  it('uninstall of one instance and then of all removes them and their data', async () => {
    const one = await cli('manage', 'uninstall', '--instance', 'par0', '--force');
    expect(one.code).toBe(0);
    const refused = await cli('manage', 'uninstall');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--force/);
    const all = await cli('manage', 'uninstall', '--force');
    expect(all.code).toBe(0);
    const status = await cli('status', '--json');
    expect(status.code).toBe(2);
    expect(JSON.parse(status.stdout)).toMatchObject({ installed: false, total_instances: 0 });
    expect((await cli('manage', 'uninstall', '--force')).code).toBe(0);
    if (engine === 'docker') {
      const label = `label=io.resource-postgres.home=${home}`;
      expect(await docker(['ps', '-aq', '--filter', label])).toBe('');
      expect(await docker(['volume', 'ls', '-q', '--filter', label])).toBe('');
    }
  }, 120_000);
});
