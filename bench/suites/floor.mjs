// CLI floor: what one invocation costs before any real work, against the bare runtime
// starting and exiting (the same executable format with an empty program, and `node -e 0`
// for the checkout launcher).
import { must } from '../lib/exec.mjs';
import { paired, timed } from '../lib/stats.mjs';

export async function floor(ctx) {
  const rounds = ctx.floorRounds;
  const empty = await ctx.tool.home(ctx.root, 'floor-empty');
  const bare = () => timed(() => must(ctx.bareExecutable, []));
  const tool = (home, args) => () => timed(() => ctx.tool.run(home, args, { okCodes: [1, 2] }));
  const rows = [];
  const vsBare = { baseline: bare, baselineName: 'bare executable' };
  rows.push(await paired('help (executable)', rounds, { tool: tool(empty, ['--help']), target: 1.3, ...vsBare }));
  rows.push(await paired('--version (executable)', rounds, { tool: tool(empty, ['--version']), ...vsBare }));
  rows.push(await paired('info --json (executable)', rounds, { tool: tool(empty, ['info', '--json']), ...vsBare }));
  rows.push(await paired('status --json, 0 instances', rounds, { tool: tool(empty, ['status', '--json']), ...vsBare }));
  if (ctx.oneHome) {
    rows.push(
      await paired('status --json, 1 instance (docker)', rounds, {
        tool: tool(ctx.oneHome, ['status', '--json']),
        target: 2,
        ...vsBare,
      }),
    );
  }
  rows.push(
    await paired('help (checkout: node bin/resource-postgres)', rounds, {
      tool: () => timed(() => ctx.launcher.run(empty, ['--help'])),
      baseline: () => timed(() => must(process.execPath, ['-e', '0'])),
      baselineName: 'node -e 0',
    }),
  );
  return rows;
}
