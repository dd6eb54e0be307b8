import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { dropNewerSettings } from '../../src/commands/backup/clients.js';
import { selftest } from '../../src/commands/test/index.js';
import { Secret } from '../../src/core/secret.js';
import { FrameDemuxer } from '../../src/engines/docker/container-exec.js';
import { renderSelftest } from '../../src/output/selftest.js';
import { CheckFailed, runCheck, summarize } from '../../src/commands/test/check.js';
import { fakeWorld, type FakeWorld } from '../support/fake-context.js';

let world: FakeWorld;
afterEach(async () => world?.cleanup());

const instance = (name: string, port: number) => ({
  name,
  engine: 'docker' as const,
  port,
  host: '127.0.0.1',
  user: 'u',
  password: new Secret('pw'),
  database: 'd',
  template: 'development',
  created: '2026-01-01T00:00:00Z',
  desiredState: 'running' as const,
  extra: {},
});

describe('check results', () => {
  it('a check records pass with detail, fail with the reason, and a deadline', async () => {
    const pass = await runCheck('smoke', 'ok', async () => 'seen 17.1');
    const fail = await runCheck('smoke', 'bad', async () => {
      throw new CheckFailed('port closed');
    });
    const slow = await runCheck('smoke', 'slow', () => new Promise(() => {}), 50);
    expect(pass).toMatchObject({ status: 'pass', detail: 'seen 17.1' });
    expect(fail).toMatchObject({ status: 'fail', reason: 'port closed' });
    expect(slow).toMatchObject({ status: 'fail', reason: 'slow did not finish within 0 s' });
    expect(slow.duration_ms).toBeGreaterThanOrEqual(45);
  });

  it('renders one PASS/FAIL line per check and the closing count', () => {
    const data = summarize(
      'smoke',
      'main',
      [
        { suite: 'smoke', name: 'instance running', status: 'pass', duration_ms: 3, detail: 'docker' },
        {
          suite: 'smoke',
          name: 'authenticated SELECT 1',
          status: 'fail',
          duration_ms: 12,
          reason: 'password authentication failed',
        },
      ],
      true,
    );
    const lines = renderSelftest(data).split('\n');
    expect(lines[0]).toMatch(/^PASS {2}smoke: instance running {8}\(3 ms\) {2}docker$/);
    expect(lines[1]).toMatch(/^FAIL {2}smoke: authenticated SELECT 1 {2}\(12 ms\) {2}password authentication failed$/);
    expect(lines.at(-1)).toBe('1 passed, 1 failed');
  });
});

describe('test command without a live server', () => {
  it('unit passes on a consistent home and fails when two instances share a port', async () => {
    world = await fakeWorld();
    await world.ctx.registry.save(instance('a', 5440));
    const ok = await selftest(world.ctx, { suite: 'unit', instance: 'main' });
    expect(ok.exitCode).toBe(0);
    await world.ctx.registry.save(instance('b', 5440));
    const bad = await selftest(world.ctx, { suite: 'unit', instance: 'main' });
    expect(bad.exitCode).toBe(1);
    expect(bad.data.checks.find((c) => c.status === 'fail')?.reason).toMatch(/port 5440 is claimed by a and b/);
  });

  it('exit 2, said plainly, when there is no such instance or it is stopped on purpose', async () => {
    world = await fakeWorld();
    const absent = await selftest(world.ctx, { suite: 'smoke', instance: 'main' });
    expect(absent.exitCode).toBe(2);
    expect(absent.data).toMatchObject({ available: false });
    expect(absent.data.checks[0]?.reason).toMatch(/no instance named main/);
    await world.ctx.registry.save({ ...instance('main', 5433), desiredState: 'stopped' });
    const stopped = await selftest(world.ctx, { suite: 'all', instance: 'main' });
    expect(stopped.exitCode).toBe(2);
    expect(stopped.data.checks.at(-1)).toMatchObject({ name: 'instance running', status: 'fail' });
    expect(stopped.data.checks.at(-1)?.reason).toMatch(/stopped on purpose \(absent\)/);
  });

  it.each(['smoke', 'all'] as const)(
    'test %s: exit 1 with a FAIL line when the instance should run but has crashed',
    async (suite) => {
      world = await fakeWorld();
      await world.ctx.registry.save(instance('main', 5433)); // desired running, no server
      const crashed = await selftest(world.ctx, { suite, instance: 'main' });
      expect(crashed.exitCode).toBe(1);
      expect(crashed.data).toMatchObject({ available: true, failed: 1 });
      expect(crashed.data.checks.at(-1)).toMatchObject({ name: 'instance running', status: 'fail' });
      expect(crashed.data.checks.at(-1)?.reason).toMatch(/should be running but is not \(absent\): it crashed/);
      expect(renderSelftest(crashed.data)).toMatch(/^FAIL {2}smoke: instance running .*should be running/m);
    },
  );
});

describe('stream plumbing', () => {
  it('demuxes docker exec frames into stdout and a stderr tail', async () => {
    const frame = (type: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = type;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    const out = new PassThrough();
    const got: Buffer[] = [];
    out.on('data', (b: Buffer) => got.push(b));
    const demux = new FrameDemuxer(out);
    const all = Buffer.concat([frame(1, 'hello '), frame(2, 'warn'), frame(1, 'world')]);
    // Split at awkward places: inside a header and inside a payload.
    for (const piece of [all.subarray(0, 5), all.subarray(5, 17), all.subarray(17)]) demux.write(piece);
    await new Promise<void>((r) => demux.end(r));
    expect(Buffer.concat(got).toString()).toBe('hello world');
    expect(demux.stderr).toBe('warn');
  });

  it('drops only header settings an older server lacks, never data', async () => {
    const script =
      "SET statement_timeout = 0;\nSET transaction_timeout = 0;\nSET client_encoding = 'UTF8';\n\nCREATE TABLE t (v text);\nCOPY t (v) FROM stdin;\nSET transaction_timeout = 0;\n\\.\n";
    let out = '';
    const filter = dropNewerSettings(['transaction_timeout']);
    filter.on('data', (b: Buffer) => {
      out += b.toString('latin1');
    });
    await new Promise<void>((resolve) => {
      Readable.from([Buffer.from(script.slice(0, 30)), Buffer.from(script.slice(30))])
        .pipe(filter)
        .on('end', resolve);
    });
    expect(out).toBe(script.replace('SET transaction_timeout = 0;\n', ''));
  });
});
