// status --json as a home grows to 1, 10 and 40 running docker instances, each size measured
// side by side with a home of 1 instance: the cost of status should not grow with the count.
import { paired, timed } from '../lib/stats.mjs';

/** Creates instances from..to-1 (8 at a time, as users would script it); untimed. */
async function grow(ctx, home, from, to) {
  const names = Array.from({ length: to - from }, (_, i) => `s${from + i}`);
  for (let i = 0; i < names.length; i += 8) {
    await Promise.all(
      names
        .slice(i, i + 8)
        .map((n) =>
          ctx.tool.run(home, ['manage', 'start', '--instance', n, '--engine', 'docker', '--image', ctx.image]),
        ),
    );
  }
}

export async function scale(ctx) {
  const home = await ctx.tool.home(ctx.root, 'scale');
  const status =
    (h, extra = []) =>
    () =>
      timed(() => ctx.tool.run(h, ['status', '--json', ...extra], { okCodes: [1, 2] }));
  const rows = [];
  let size = 0;
  for (const n of [1, 10, 40]) {
    await grow(ctx, home, size, n);
    size = n;
    rows.push(
      await paired(`status --json, ${n} instance${n > 1 ? 's' : ''} (docker)`, ctx.floorRounds, {
        tool: status(home),
        baseline: status(ctx.oneHome),
        baselineName: 'status --json, 1 instance',
        target: n === 40 ? 2 : undefined,
      }),
    );
  }
  rows.push(
    await paired('status --json --fast, 40 instances (docker)', ctx.floorRounds, {
      tool: status(home, ['--fast']),
      baseline: status(ctx.oneHome, ['--fast']),
      baselineName: 'status --json --fast, 1 instance',
      target: 1.3,
    }),
  );
  await ctx.tool.run(home, ['manage', 'uninstall', '--force']); // frees 40 servers for the suites after this one
  return rows;
}
