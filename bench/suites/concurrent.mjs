// 8 concurrent `manage start` of new instances: total wall time, and every port distinct and
// every instance healthy; against 8 concurrent raw starts on the same engine.
import { RawCluster } from '../lib/raw-native.mjs';
import { RawContainer } from '../lib/raw-docker.mjs';
import { paired, timed } from '../lib/stats.mjs';

const N = 8;

export async function concurrent(ctx, engine) {
  const home = await ctx.tool.home(ctx.root, `concurrent-${engine}`);
  const engineArgs = engine === 'docker' ? ['--engine', 'docker', '--image', ctx.image] : ['--engine', 'native'];
  const problems = [];
  const result = await paired(`${N} concurrent new instances, ${engine}`, ctx.rounds, {
    tool: async (r) => {
      const names = Array.from({ length: N }, (_, k) => `c${r}x${k}`);
      const ms = await timed(() =>
        Promise.all(names.map((n) => ctx.tool.run(home, ['manage', 'start', '--instance', n, ...engineArgs]))),
      );
      const doc = JSON.parse((await ctx.tool.run(home, ['status', '--json'], { okCodes: [1, 2] })).stdout);
      const ports = new Set(doc.instances.map((i) => i.port));
      if (ports.size !== N) problems.push(`round ${r}: ${ports.size} distinct ports for ${N} instances`);
      if (doc.healthy_instances !== N) problems.push(`round ${r}: ${doc.healthy_instances} of ${N} healthy`);
      await ctx.tool.run(home, ['manage', 'uninstall', '--force']);
      return ms;
    },
    baseline: async (r) => {
      const raws = Array.from({ length: N }, (_, k) =>
        engine === 'docker'
          ? new RawContainer(ctx.image, `rp-bench-raw-c-${process.pid}-${r}-${k}`)
          : new RawCluster(ctx.root, `raw-c-${r}-${k}`, ctx.serverUser),
      );
      if (engine === 'native') await Promise.all(raws.map((c) => c.prepare()));
      const ms = await timed(() =>
        Promise.all(raws.map((c) => (engine === 'docker' ? c.runAndWait() : c.initStartAndWait()))),
      );
      await Promise.all(raws.map((c) => c.remove()));
      return ms;
    },
    baselineName: `${N} concurrent raw starts`,
    target: 1.15, // issue 17
  });
  result.note = problems.length ? `FAILED: ${problems.join('; ')}` : `ports distinct, all ${N} healthy`;
  if (problems.length) result.met = false;
  return [result];
}
