import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { install, start } from '../../src/commands/manage/index.js';
import type { StartOptions } from '../../src/commands/options.js';
import { unhealthyReason } from '../../src/commands/manage/repair.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

/** `--force` on start and install repairs an unhealthy server and leaves a healthy one alone. */
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
  engine: 'docker',
  wait: true,
  timeoutSec: 5,
  force: false,
  dryRun: false,
  ...over,
});

const engineCalls = () => w.engines.docker.calls.filter((c) => /^(stop|start|create) /.test(c));

describe('manage start --force', () => {
  it('never stops a healthy running instance', async () => {
    await start(w.ctx, startOpts());
    w.engines.docker.calls = [];
    const res = await start(w.ctx, startOpts({ force: true }));
    expect(res.exitCode).toBe(0);
    expect(res.data.instances[0]).toMatchObject({ result: 'already running' });
    expect(res.data.message).toMatch(/was already running/);
    expect(engineCalls()).not.toContain('stop main');
  });

  it('install --force leaves a healthy instance alone too', async () => {
    await start(w.ctx, startOpts());
    w.engines.docker.calls = [];
    const res = await install(w.ctx, {
      instance: 'main',
      engine: 'auto',
      force: true,
      skipValidation: false,
      dryRun: false,
      timeoutSec: 5,
    });
    expect(res.data.instances[0]).toMatchObject({ result: 'already installed' });
    expect(engineCalls()).not.toContain('stop main');
  });

  it('restarts a running instance that keeps failing the authenticated probe, and says why', async () => {
    await start(w.ctx, startOpts());
    w.engines.docker.calls = [];
    let stopped = false;
    w.probeResult = () => {
      if (w.engines.docker.calls.includes('stop main')) stopped = true;
      return stopped ? { ok: true, message: 'ok' } : { ok: false, message: 'sorry, too many clients already' };
    };
    const res = await start(w.ctx, startOpts({ force: true, timeoutSec: 1 }));
    expect(res.data.instances[0]).toMatchObject({ result: 'repaired' });
    expect(res.data.message).toMatch(/was running but unhealthy; restarted/);
    expect(engineCalls()).toEqual(['start main', 'stop main', 'start main']);
    expect(w.talk.join('\n')).toMatch(/fails its health probe \(sorry, too many clients already\); restarting/);
  });

  it('a failure a restart cannot fix (wrong password) is reported, not "repaired" by dropping every session', async () => {
    await start(w.ctx, startOpts());
    w.engines.docker.calls = [];
    w.probeResult = () => ({ ok: false, message: 'password authentication failed for user "u"', code: '28P01' });
    await expect(start(w.ctx, startOpts({ force: true, timeoutSec: 0.3 }))).rejects.toThrow(
      /timed out .*password authentication failed/,
    );
    expect(engineCalls()).not.toContain('stop main');
  });

  it('without --force an unhealthy instance is not restarted (start waits, then names the failure)', async () => {
    await start(w.ctx, startOpts());
    w.engines.docker.calls = [];
    w.probeResult = () => ({ ok: false, message: 'sorry, too many clients already' });
    await expect(start(w.ctx, startOpts({ timeoutSec: 0.2 }))).rejects.toThrow(/too many clients/);
    expect(engineCalls()).not.toContain('stop main');
  });
});

describe('unhealthyReason', () => {
  it('is undefined once the probe passes within the grace period', async () => {
    await start(w.ctx, startOpts());
    let attempts = 0;
    w.probeResult = () =>
      ++attempts < 3 ? { ok: false, message: 'starting up', transient: true } : { ok: true, message: 'ok' };
    expect(await unhealthyReason(w.ctx, await w.ctx.registry.get('main'), 5, 2_000)).toBeUndefined();
    expect(attempts).toBe(3);
  });

  it('is the last failure when the probe never passes', async () => {
    await start(w.ctx, startOpts());
    w.probeResult = () => ({ ok: false, message: 'password authentication failed' });
    expect(await unhealthyReason(w.ctx, await w.ctx.registry.get('main'), 5, 150)).toBe(
      'password authentication failed',
    );
  });
});
