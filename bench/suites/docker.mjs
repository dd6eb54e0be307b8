// Docker engine: a new instance to ready, and warm start/stop, against docker run + polling.
import { RawContainer } from '../lib/raw-docker.mjs';
import { paired, timed } from '../lib/stats.mjs';
import { warm } from './warm.mjs';

export async function dockerNew(ctx) {
  const home = await ctx.tool.home(ctx.root, 'docker-new');
  const rawName = (r) => `rp-bench-raw-new-${process.pid}-${r}`;
  return [
    await paired('new instance to ready, docker', ctx.rounds, {
      tool: async (r) => {
        const ms = await timed(() =>
          ctx.tool.run(home, ['manage', 'start', '--instance', `new${r}`, '--engine', 'docker', '--image', ctx.image]),
        );
        await ctx.tool.run(home, ['manage', 'uninstall', '--instance', `new${r}`, '--force']);
        return ms;
      },
      baseline: async (r) => {
        const raw = new RawContainer(ctx.image, rawName(r));
        const ms = await timed(() => raw.runAndWait());
        await raw.remove();
        return ms;
      },
      target: 1.1,
      baselineName: 'docker run + poll',
    }),
  ];
}

export async function dockerWarm(ctx) {
  const raw = new RawContainer(ctx.image, `rp-bench-raw-warm-${process.pid}`);
  await raw.runAndWait();
  try {
    const tool = {
      stop: () => ctx.tool.run(ctx.oneHome, ['manage', 'stop']),
      start: () => ctx.tool.run(ctx.oneHome, ['manage', 'start']),
    };
    return await warm(
      'docker',
      ctx.rounds,
      tool,
      { stop: () => raw.stop(), startAndWait: () => raw.startAndWait() },
      'docker',
      1.3,
    );
  } finally {
    await raw.remove();
  }
}
