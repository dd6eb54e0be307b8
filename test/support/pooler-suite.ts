import { readFileSync } from 'node:fs';
import { access, lstat, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, runCli, tempHome } from './cli.js';
import { alive, allCmdlines, PG15, run } from './pooler-procs.js';

/**
 * The pooler end to end on one engine, with the real programs: PgBouncer, psql and pgbench
 * through it with the application's real password (SCRAM), then stop, restart and uninstall.
 * Each case builds on the one before (one instance per suite keeps two cores usable).
 */

export function poolerSuite(engine: 'native' | 'docker', createArgs: string[]): void {
  describe(`pooler on the ${engine} engine`, () => {
    let home: string;
    const name = `pool${engine === 'docker' ? 'd' : 'n'}`;
    const cli = (args: string[]) => runCli([...args, '--instance', name], { home });
    let password = '';
    let port = 0;
    let pid = 0;
    let dir = '';
    let osUser = '';
    const pg = (args: string[], pw = password) =>
      run(`${PG15}/psql`, ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'vrooli', '-d', 'vrooli', ...args], {
        PGPASSWORD: pw,
        PGCONNECT_TIMEOUT: '10',
      });

    beforeAll(async () => {
      home = await tempHome('rp-pooler-');
      const start = await cli(['manage', 'start', ...createArgs]);
      expect(start.code, start.stderr).toBe(0);
      password = JSON.parse((await cli(['credentials', '--json', '--show-secrets'])).stdout).connections[0].auth
        .password;
    }, 240_000);
    afterAll(async () => destroyHome(home), 180_000);

    it('starts in transaction mode on a port of its own range, as an unprivileged user', async () => {
      const started = await cli(['pooler', 'start', '--json']);
      expect(started.code, started.stderr).toBe(0);
      const d = JSON.parse(started.stdout);
      expect(d).toMatchObject({
        action: 'start',
        result: 'started',
        running: true,
        healthy: true,
        mode: 'transaction',
      });
      expect(d.port).toBeGreaterThanOrEqual(6433);
      expect(d.port).toBeLessThanOrEqual(6499);
      ({ port, pid } = d);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(cmd[0]).toMatch(/pgbouncer$/);
      dir = dirname(cmd[cmd.indexOf('-d') + 1]!);
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      expect(uid).not.toBe(0);
      osUser = (await run('getent', ['passwd', String(uid)], {})).out.split(':')[0]!;
      expect(osUser).toMatch(/^rp-/);
      const again = await cli(['pooler', 'start', '--json']);
      expect(JSON.parse(again.stdout)).toMatchObject({ result: 'already running', port, pid });
    });

    it('gives the pooled connection in the shape of credentials, with the pooler port', async () => {
      const plain = JSON.parse((await cli(['credentials', '--json', '--show-secrets'])).stdout);
      const res = await cli(['credentials', '--pooler', '--json', '--show-secrets']);
      expect(res.code, res.stderr).toBe(0);
      const pooled = JSON.parse(res.stdout);
      expect(Object.keys(pooled.connections[0]).sort()).toEqual(Object.keys(plain.connections[0]).sort());
      expect(pooled.connections[0].connection).toEqual({ ...plain.connections[0].connection, port });
      expect(pooled.connections[0].auth).toEqual(plain.connections[0].auth);
      expect(pooled.connections[0].metadata.url).toContain(`@127.0.0.1:${port}/vrooli`);
    });

    it("lets the application's role in with its real password (SCRAM) and runs queries in transaction mode", async () => {
      const one = await pg(['-At', '-c', 'SELECT current_user, 40 + 2']);
      expect(one.out.trim()).toBe('vrooli|42');
      const tx = await pg([
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        'BEGIN; CREATE TEMP TABLE t(x int) ON COMMIT DROP; INSERT INTO t VALUES (1),(2); SELECT sum(x) FROM t; COMMIT;',
      ]);
      expect(tx.code, tx.out).toBe(0);
      expect(tx.out).toContain('3');
      const pooled = await pg(['-At', '-c', "SELECT current_setting('application_name')"]);
      expect(pooled.code, pooled.out).toBe(0);
    });

    it('reaches a database made after the pooler started (the lookup function comes from template1)', async () => {
      const made = await cli(['content', 'create-database', 'shop']);
      expect(made.code, made.stderr).toBe(0);
      const res = await run(
        `${PG15}/psql`,
        [
          '-X',
          '-At',
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'vrooli',
          '-d',
          'shop',
          '-c',
          'SELECT current_database()',
        ],
        { PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' },
      );
      expect(res.out.trim()).toBe('shop');
    });

    it('refuses a wrong password', async () => {
      const bad = await pg(['-At', '-c', 'SELECT 1'], `${password}x`);
      expect(bad.code).not.toBe(0);
      expect(bad.out).toMatch(/authentication failed/);
    });

    it('carries pgbench -S at 50 clients', async () => {
      const env = { PGPASSWORD: password };
      const conn = ['-h', '127.0.0.1', '-p', String(port), '-U', 'vrooli'];
      const init = await run(`${PG15}/pgbench`, ['-i', '-s', '1', '-q', ...conn, 'vrooli'], env);
      expect(init.code, init.out).toBe(0);
      const bench = await run(
        `${PG15}/pgbench`,
        ['-S', '-n', '-c', '50', '-j', '2', '-T', '5', ...conn, 'vrooli'],
        env,
      );
      expect(bench.code, bench.out).toBe(0);
      expect(bench.out).toMatch(/number of clients: 50/);
      expect(bench.out).toMatch(/number of failed transactions: 0 /);
      expect(Number(/tps = ([\d.]+)/.exec(bench.out)![1])).toBeGreaterThan(100);
    }, 120_000);

    it('shows the pooler in status', async () => {
      const res = await runCli(['status', '--json'], { home });
      const inst = JSON.parse(res.stdout).instances.find((i: { name: string }) => i.name === name);
      expect(inst.pooler).toMatchObject({ running: true, healthy: true, port, mode: 'transaction', pid });
      const text = await runCli(['status'], { home });
      expect(text.stdout).toMatch(new RegExp(`${name}\\s+running\\s+yes\\s+${port}\\s+transaction`));
      const own = await cli(['pooler', 'status', '--json']);
      expect(own.code).toBe(0);
      expect(JSON.parse(own.stdout)).toMatchObject({ result: 'running', healthy: true, port });
    });

    it("keeps the lookup role's password in an auth_file of the pooler's user only (0600), never in argv", async () => {
      const auth = join(dir, 'userlist.txt');
      const st = await lstat(auth);
      expect(st.mode & 0o777).toBe(0o600);
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      expect(st.uid).toBe(uid);
      const line = (await readFile(auth, 'utf8')).trim();
      expect(line).toMatch(/^"resource_pooler" "[A-Za-z0-9_-]{20,}"$/);
      const lookupPassword = /"resource_pooler" "(.*)"/.exec(line)![1]!;
      expect(await readFile(join(dir, 'pgbouncer.ini'), 'utf8')).not.toContain(lookupPassword);
      for (const cmd of allCmdlines()) {
        expect(cmd).not.toContain(password);
        expect(cmd).not.toContain(lookupPassword);
      }
      const outputs = [
        await cli(['pooler', 'status']),
        await cli(['pooler', 'start']),
        await cli(['credentials', '--pooler']),
      ];
      for (const o of outputs) expect(`${o.stdout}${o.stderr}`).not.toContain(lookupPassword);
    });

    it('stops with its instance and comes back with it on the same port', async () => {
      const stop = await cli(['manage', 'stop']);
      expect(stop.code, stop.stderr).toBe(0);
      expect(alive(pid)).toBe(false);
      const st = JSON.parse((await runCli(['status', '--json'], { home })).stdout);
      expect(st.instances[0].pooler).toMatchObject({ running: false, port });
      expect((await cli(['pooler', 'status'])).code).toBe(2); // stopped on purpose, with its instance
      const refused = await cli(['pooler', 'start']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`instance ${name} is not running; its pooler needs the server`));
      const start = await cli(['manage', 'start']);
      expect(start.code, start.stderr).toBe(0);
      const status = JSON.parse((await cli(['pooler', 'status', '--json'])).stdout);
      expect(status).toMatchObject({ running: true, healthy: true, port });
      pid = status.pid;
      expect((await pg(['-At', '-c', 'SELECT 7'])).out.trim()).toBe('7');
    }, 180_000);

    it('pooler stop removes the process, its files and its port', async () => {
      const res = await cli(['pooler', 'stop', '--json']);
      expect(res.code, res.stderr).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ result: 'stopped' });
      expect(alive(pid)).toBe(false);
      await expect(access(dir)).rejects.toThrow();
      expect(await readFile(join(home, name, 'config', 'instance.conf'), 'utf8')).not.toMatch(/pooler_/);
      const creds = await cli(['credentials', '--pooler']);
      expect(creds.code).toBe(2);
      expect(creds.stderr).toMatch(/has no pooler/);
      expect((await cli(['pooler', 'status'])).code).toBe(2);
      expect((await pg(['-At', '-c', 'SELECT 1'])).code).not.toBe(0);
    });

    it('uninstall removes the pooler with everything else', async () => {
      const start = await cli(['pooler', 'start', '--mode', 'session', '--json']);
      expect(start.code, start.stderr).toBe(0);
      const d = JSON.parse(start.stdout);
      expect(d.mode).toBe('session');
      const cmd = readFileSync(`/proc/${d.pid}/cmdline`, 'utf8').split('\0');
      dir = dirname(cmd[cmd.indexOf('-d') + 1]!);
      const gone = await cli(['manage', 'uninstall', '--force']);
      expect(gone.code, gone.stderr).toBe(0);
      expect(alive(d.pid)).toBe(false);
      await expect(access(dir)).rejects.toThrow();
      expect((await run('getent', ['passwd', osUser], {})).code).not.toBe(0);
      expect(allCmdlines().filter((c) => c.includes(dir))).toEqual([]);
    }, 120_000);
  });
}
