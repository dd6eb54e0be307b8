import { access, readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import { instanceSql } from '../support/instance-sql.js';
import { engineArgs, forceCleanup, freePort, spawnCli, statusJson, waitUntil } from '../support/reliability.js';

/**
 * SIGINT and SIGTERM through the real CLI: never swallowed, the exit code a shell expects
 * (130, 143), and whatever point the command had reached, the next command works.
 */
const engines = await enginesUnderTest();
const execFileP = promisify(execFile);

describe.each(engines)('signals on the %s engine', (engine) => {
  let home: string;
  beforeAll(async () => {
    home = await tempHome(`rp-signal-${engine}-`);
  });
  afterAll(async () => {
    await forceCleanup(home);
  }, 120_000);

  const exists = (p: string) =>
    access(p).then(
      () => true,
      () => false,
    );
  const startArgs = async (name: string) => [
    'manage',
    'start',
    '--instance',
    name,
    '--port',
    String(await freePort(5480)),
    '--template',
    'minimal',
    ...engineArgs(engine),
  ];

  it('SIGINT during the create of a new instance: exit 130, and the next start completes', async () => {
    const name = `int-${engine}`;
    const cli = spawnCli(await startArgs(name), home);
    await waitUntil('instance.conf written', () => exists(join(home, name, 'config', 'instance.conf')), 60_000, 5);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.stderr).toMatch(/interrupted/);
    expect(r.code).toBe(130);
    const again = await runCli(['manage', 'start', '--instance', name], { home });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const status = await statusJson(home, '--instance', name);
    expect(status.doc.instances[0]).toMatchObject({ name, healthy: true });
  }, 180_000);

  it('SIGTERM during a stop: exit 143, and the instance starts again', async () => {
    const name = `term-${engine}`;
    const first = await runCli(await startArgs(name), { home });
    expect(first.code).toBe(0);
    const cli = spawnCli(['manage', 'stop', '--instance', name], home);
    // The instance's lock names its holder: once it is this CLI, the stop is under way.
    const holder = async () => (await readFile(join(home, `.lock-${name}`), 'utf8').catch(() => '')).split('\n')[0];
    await waitUntil('the stop to hold its lock', async () => (await holder()) === String(cli.child.pid), 30_000, 2);
    cli.child.kill('SIGTERM');
    const r = await cli.done;
    expect(r.stderr).toMatch(/terminated/);
    expect(r.code).toBe(143);
    const again = await runCli(['manage', 'start', '--instance', name], { home });
    expect(again.code).toBe(0);
    expect((await statusJson(home, '--instance', name)).doc.instances[0]).toMatchObject({ healthy: true });
  }, 180_000);

  it('the first Ctrl-C ends logs --follow at once (exit 130)', async () => {
    const name = `term-${engine}`;
    const cli = spawnCli(['logs', '--instance', name, '--follow'], home);
    let out = '';
    cli.child.stdout!.on('data', (d) => (out += d));
    await waitUntil('the first log lines', async () => out.length > 0, 30_000, 20);
    const t0 = Date.now();
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(4_000); // ended by the abort, not by the grace period
  }, 60_000);

  it('SIGINT during a restore: exit 130, and the next start has the old data or the new, whole', async () => {
    const name = `term-${engine}`; // running since the SIGTERM case
    const sql = (text: string) => instanceSql(home, name, text);
    await sql("CREATE TABLE IF NOT EXISTS t (v text); TRUNCATE t; INSERT INTO t VALUES ('backed-up')");
    const backup = await runCli(['backup', 'create', '--instance', name, '--name', 's1', '--method', 'physical'], {
      home,
    });
    expect(backup.code, backup.stderr).toBe(0);
    await sql("TRUNCATE t; INSERT INTO t VALUES ('changed since')");
    const cli = spawnCli(['backup', 'restore', 's1', '--instance', name, '--force'], home);
    const journal = join(home, name, 'config', 'restore-journal.json');
    await waitUntil('the restore to begin', () => exists(journal), 60_000, 2);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.stderr).toMatch(/interrupted/);
    expect(r.code).toBe(130);
    const again = await runCli(['manage', 'start', '--instance', name], { home });
    expect(again.code, again.stderr).toBe(0);
    expect([['backed-up'], ['changed since']]).toContainEqual((await sql('SELECT v FROM t')).map((row) => row.v));
    expect(await exists(journal)).toBe(false);
    if (engine === 'docker') {
      // The killed restore's helper container is gone with it (it would hold the volume against uninstall).
      const left = await execFileP('docker', [
        'ps',
        '-aq',
        '--filter',
        `volume=resource-postgres-${name}-data`,
        '--filter',
        'label=io.resource-postgres.helper',
      ]);
      expect(left.stdout.trim()).toBe('');
    }
  }, 180_000);
});
