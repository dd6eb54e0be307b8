// Instant instances: a new instance served from a spare (README "Instant instances (spares)"),
// to ready through its first query, against the raw way to a new server: initdb + pg_ctl -w
// start + first query (native), docker run + poll (docker). Before each timed create the
// previous create's builder has finished (untimed), and after it the builder it started is
// waited for, so no background initdb runs while either side is timed.
import { setTimeout as sleep } from 'node:timers/promises';
import { RawCluster } from '../lib/raw-native.mjs';
import { RawContainer } from '../lib/raw-docker.mjs';
import { paired, timed } from '../lib/stats.mjs';

const ON = { env: { RESOURCE_POSTGRES_SPARES: 'on' } };

/** Until the home has a ready spare of `engine` and no builder at work. */
async function spareReady(ctx, home, engine) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const r = await ctx.tool.run(home, ['status', '--verbose', '--json'], { ...ON, okCodes: [1, 2] });
    const spares = JSON.parse(r.stdout).spares ?? [];
    const mine = spares.filter((s) => s.engine === engine);
    if (mine.some((s) => s.state === 'ready') && !mine.some((s) => s.state === 'building')) return;
    if (Date.now() > deadline) throw new Error(`no ready ${engine} spare within 180 s`);
    await sleep(200);
  }
}

async function fromSpare(ctx, home, engine, r, args) {
  await spareReady(ctx, home, engine);
  let out;
  const ms = await timed(async () => {
    out = await ctx.tool.run(home, ['manage', 'start', '--instance', `s${r}`, ...args, '--json'], ON);
  });
  if (!JSON.parse(out.stdout).instances[0].from_spare) throw new Error(`instance s${r} was not served from a spare`);
  await spareReady(ctx, home, engine);
  return ms;
}

export async function nativeSpare(ctx) {
  const home = await ctx.tool.home(ctx.root, 'native-spare');
  const args = ['--engine', 'native'];
  await ctx.tool.run(home, ['manage', 'start', '--instance', 'seed', ...args], ON); // builds the first spare
  return [
    await paired('new instance from a spare to ready, native', ctx.rounds, {
      tool: (r) => fromSpare(ctx, home, 'native', r, args),
      baseline: async (r) => {
        const raw = new RawCluster(ctx.root, `raw-spare-${r}`, ctx.serverUser);
        await raw.prepare();
        const ms = await timed(() => raw.initStartAndWait());
        await raw.remove();
        return ms;
      },
      target: 0.5,
      baselineName: 'initdb + pg_ctl -w start + first query',
    }),
  ];
}

export async function dockerSpare(ctx) {
  const home = await ctx.tool.home(ctx.root, 'docker-spare');
  const args = ['--engine', 'docker', '--image', ctx.image];
  await ctx.tool.run(home, ['manage', 'start', '--instance', 'seed', ...args], ON);
  const rawName = (r) => `rp-bench-raw-spare-${process.pid}-${r}`;
  return [
    await paired('new instance from a spare to ready, docker', ctx.rounds, {
      tool: (r) => fromSpare(ctx, home, 'docker', r, args),
      baseline: async (r) => {
        const raw = new RawContainer(ctx.image, rawName(r));
        const ms = await timed(() => raw.runAndWait());
        await raw.remove();
        return ms;
      },
      target: 0.8,
      baselineName: 'docker run + poll',
    }),
  ];
}
