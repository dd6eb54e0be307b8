import { readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { install, start, stop, uninstall } from '../../src/commands/manage/index.js';
import { status } from '../../src/commands/status/index.js';
import type { StartOptions } from '../../src/commands/options.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

let w: FakeWorld;
beforeEach(async () => {
  w = await fakeWorld();
});
afterEach(async () => {
  await w.cleanup();
});

const startOpts = (over: Partial<StartOptions> = {}): StartOptions => ({
  instance: 'main',
  all: false,
  engine: 'auto',
  wait: true,
  timeoutSec: 5,
  force: false,
  dryRun: false,
  ...over,
});

describe('manage start', () => {
  it('creates main on 5433 with a 0600 instance.conf in a 0700 directory', async () => {
    const res = await start(w.ctx, startOpts());
    expect(res.data.instances[0]).toMatchObject({ name: 'main', result: 'created', port: 5433, engine: 'docker' });
    const conf = w.ctx.registry.paths('main').conf;
    expect((await stat(conf)).mode & 0o777).toBe(0o600);
    expect((await stat(w.ctx.registry.paths('main').config)).mode & 0o777).toBe(0o700);
    expect(await readFile(conf, 'utf8')).toMatch(/desired_state="running"/);
  });

  it('is idempotent: a second start says already running and changes nothing', async () => {
    await start(w.ctx, startOpts());
    const before = await readFile(w.ctx.registry.paths('main').conf, 'utf8');
    const res = await start(w.ctx, startOpts());
    expect(res.exitCode).toBe(0);
    expect(res.data.instances[0]!.result).toBe('already running');
    expect(await readFile(w.ctx.registry.paths('main').conf, 'utf8')).toBe(before);
  });

  it('falls back to native when docker is unavailable, and says why', async () => {
    w.engines.docker.available = false;
    const res = await start(w.ctx, startOpts());
    expect(res.data.instances[0]!.engine).toBe('native');
    expect(w.talk.join('\n')).toMatch(/fake engine switched off; using the native engine/);
  });

  it('picks another port when the engine finds the chosen one taken', async () => {
    w.engines.docker.busyPorts.add(5433);
    const res = await start(w.ctx, startOpts());
    expect(res.data.instances[0]!.port).toBe(5434);
    expect((await w.ctx.registry.get('main')).port).toBe(5434);
  });

  it('refuses an explicit port held by a foreign process, naming it, and creates nothing', async () => {
    w.listening.set(5440, { kind: 'process', name: 'pid 77 (nc)' });
    await expect(start(w.ctx, startOpts({ port: 5440 }))).rejects.toThrow(
      /port 5440 is already taken by pid 77 \(nc\)/,
    );
    expect(await w.ctx.registry.names()).toEqual([]);
  });

  it('skips ports published by containers and claimed by stopped instances', async () => {
    w.engines.docker.held.set(5433, { kind: 'container', name: 'someone-else' });
    await start(w.ctx, startOpts({ instance: 'a' }));
    await stop(w.ctx, { instance: 'a', all: false, force: false, timeoutSec: 5, dryRun: false });
    const b = await start(w.ctx, startOpts({ instance: 'b' }));
    expect((await w.ctx.registry.get('a')).port).toBe(5434);
    expect(b.data.instances[0]!.port).toBe(5435);
  });

  it('rejects an unknown template listing the available ones, creating nothing', async () => {
    await expect(start(w.ctx, startOpts({ template: 'turbo' }))).rejects.toThrow(/unknown template "turbo"/);
    expect(await w.ctx.registry.names()).toEqual([]);
  });

  it('refuses create-time flags that contradict an existing instance', async () => {
    await start(w.ctx, startOpts());
    await expect(start(w.ctx, startOpts({ port: 5450 }))).rejects.toThrow(/already exists with --port 5433/);
  });

  it('--dry-run changes nothing', async () => {
    const res = await start(w.ctx, startOpts({ dryRun: true }));
    expect(res.data.dry_run).toBe(true);
    expect(await w.ctx.registry.names()).toEqual([]);
    expect(w.engines.docker.calls).toEqual([]);
  });

  it('times out naming the last failure and showing the log tail', async () => {
    w.probeResult = () => ({ ok: false, message: 'password authentication failed for user "vrooli"' });
    await expect(start(w.ctx, startOpts({ timeoutSec: 0.2 }))).rejects.toMatchObject({
      message: expect.stringMatching(/timed out .* last failure: password authentication failed/),
      details: expect.stringMatching(/ready to accept connections/),
    });
  });
});

describe('status', () => {
  it('is exit 2 and not installed with no instances', async () => {
    const res = await status(w.ctx, { fast: false });
    expect(res.exitCode).toBe(2);
    expect(res.data).toMatchObject({
      installed: false,
      running: false,
      healthy: false,
      total_instances: 0,
      port: null,
      max_instances: 67,
    });
  });

  it('is healthy with a running instance; a stopped-on-purpose one does not spoil it', async () => {
    await start(w.ctx, startOpts());
    await start(w.ctx, startOpts({ instance: 'side' }));
    await stop(w.ctx, { instance: 'side', all: false, force: false, timeoutSec: 5, dryRun: false });
    const res = await status(w.ctx, { fast: false });
    expect(res.exitCode).toBe(0);
    expect(res.data).toMatchObject({
      installed: true,
      running: true,
      healthy: true,
      total_instances: 2,
      running_instances: 1,
      port: 5433,
    });
    expect(res.data.connection_string).toBe('postgres://vrooli@127.0.0.1:5433/vrooli?sslmode=disable');
    expect(res.data.instances.find((i) => i.name === 'side')).toMatchObject({
      state: 'stopped',
      healthy: false,
      health_message: 'stopped (on purpose)',
    });
  });

  it('an instance that died makes the resource unhealthy (exit 1)', async () => {
    await start(w.ctx, startOpts());
    await start(w.ctx, startOpts({ instance: 'side' }));
    w.engines.docker.servers.get('side')!.running = false; // died behind our back
    const res = await status(w.ctx, { fast: false });
    expect(res.exitCode).toBe(1);
    expect(res.data.healthy).toBe(false);
    expect(res.data.health_message).toMatch(/side: stopped unexpectedly/);
  });

  it('all stopped is exit 2; never contains the password', async () => {
    await start(w.ctx, startOpts());
    await stop(w.ctx, { instance: 'main', all: false, force: false, timeoutSec: 5, dryRun: false });
    const res = await status(w.ctx, { fast: false });
    expect(res.exitCode).toBe(2);
    const password = (await w.ctx.registry.get('main')).password.reveal();
    expect(JSON.stringify(res.data)).not.toContain(password);
  });

  it('reports a damaged instance.conf with its path instead of failing', async () => {
    await start(w.ctx, startOpts());
    await start(w.ctx, startOpts({ instance: 'bad' }));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(w.ctx.registry.paths('bad').conf, 'name="bad"\nport=oops"\n');
    const res = await status(w.ctx, { fast: false });
    expect(res.exitCode).toBe(1);
    expect(res.data.instances.find((i) => i.name === 'bad')!.health_message).toMatch(/bad\/config\/instance\.conf:2/);
  });
});

describe('stop, install, uninstall', () => {
  it('stop of a missing or stopped instance is success', async () => {
    expect(
      (await stop(w.ctx, { instance: 'main', all: false, force: false, timeoutSec: 5, dryRun: false })).data
        .instances[0]!.result,
    ).toBe('absent');
    await start(w.ctx, startOpts());
    await stop(w.ctx, { instance: 'main', all: false, force: false, timeoutSec: 5, dryRun: false });
    const again = await stop(w.ctx, { instance: 'main', all: false, force: false, timeoutSec: 5, dryRun: false });
    expect(again.data.instances[0]!.result).toBe('already stopped');
    expect(w.engines.docker.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
  });

  it('install twice: the second says already installed', async () => {
    const base = {
      instance: 'main',
      engine: 'auto' as const,
      force: false,
      skipValidation: false,
      dryRun: false,
      timeoutSec: 5,
    };
    expect((await install(w.ctx, base)).data.instances[0]!.result).toBe('installed');
    expect((await install(w.ctx, base)).data.instances[0]!.result).toBe('already installed');
  });

  it('uninstall without a TTY refuses unless --force, and changes nothing', async () => {
    await start(w.ctx, startOpts());
    await expect(uninstall(w.ctx, { force: false, keepData: false, dryRun: false })).rejects.toThrow(
      /without confirmation/,
    );
    expect(await w.ctx.registry.names()).toEqual(['main']);
    const res = await uninstall(w.ctx, { force: true, keepData: false, dryRun: false });
    expect(res.data.instances[0]!.result).toBe('removed');
    expect(await w.ctx.registry.names()).toEqual([]);
    expect((await uninstall(w.ctx, { force: true, keepData: false, dryRun: false })).exitCode).toBe(0);
  });

  it('uninstall --keep-data keeps credentials so start brings the same instance back', async () => {
    await start(w.ctx, startOpts());
    const password = (await w.ctx.registry.get('main')).password.reveal();
    await uninstall(w.ctx, { force: true, keepData: true, dryRun: false });
    expect(w.engines.docker.calls).toContain('remove main keep-data');
    await start(w.ctx, startOpts());
    expect((await w.ctx.registry.get('main')).password.reveal()).toBe(password);
  });
});
