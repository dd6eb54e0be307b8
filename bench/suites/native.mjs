// Native engine: a new instance to ready, and warm start/stop, against initdb + pg_ctl with the
// same binaries as the same unprivileged user.
import { freeToolPort } from '../lib/ports.mjs';
import { RawCluster } from '../lib/raw-native.mjs';
import { paired, timed } from '../lib/stats.mjs';
import { warm } from './warm.mjs';

export async function nativeNew(ctx) {
  const home = await ctx.tool.home(ctx.root, 'native-new');
  return [
    await paired('new instance to ready, native', ctx.rounds, {
      tool: async (r) => {
        const ms = await timed(() =>
          ctx.tool.run(home, ['manage', 'start', '--instance', `new${r}`, '--engine', 'native']),
        );
        await ctx.tool.run(home, ['manage', 'uninstall', '--instance', `new${r}`, '--force']);
        return ms;
      },
      baseline: async (r) => {
        const raw = new RawCluster(ctx.root, `raw-new-${r}`, ctx.serverUser);
        await raw.prepare();
        const ms = await timed(() => raw.initStartAndWait());
        await raw.remove();
        return ms;
      },
      target: 1.1,
      baselineName: 'initdb + pg_ctl -w start + poll',
    }),
  ];
}

/**
 * The same, against a raw baseline that also creates a database: the native engine makes the
 * instance's own database after the first start (the contract's default database), which the
 * plain baseline does not. Shows how much of the gap is that work.
 */
export async function nativeNewWithDatabase(ctx) {
  const home = await ctx.tool.home(ctx.root, 'native-new-db');
  return [
    await paired('new instance to ready, native (baseline also creates a database)', ctx.rounds, {
      tool: async (r) => {
        const ms = await timed(() =>
          ctx.tool.run(home, ['manage', 'start', '--instance', `new${r}`, '--engine', 'native']),
        );
        await ctx.tool.run(home, ['manage', 'uninstall', '--instance', `new${r}`, '--force']);
        return ms;
      },
      baseline: async (r) => {
        const raw = new RawCluster(ctx.root, `raw-newdb-${r}`, ctx.serverUser);
        await raw.prepare();
        const ms = await timed(() => raw.initStartAndWait({ createDatabase: true }));
        await raw.remove();
        return ms;
      },
      baselineName: 'initdb + pg_ctl + CREATE DATABASE + poll',
      note: 'explains the native gap',
    }),
  ];
}

export async function nativeWarm(ctx) {
  const home = await ctx.tool.home(ctx.root, 'native-warm');
  // An explicit high port: while stopped, nothing holds it against other programs on the machine.
  await ctx.tool.run(home, ['manage', 'start', '--engine', 'native', '--port', String(await freeToolPort())]);
  const raw = new RawCluster(ctx.root, 'raw-warm', ctx.serverUser);
  await raw.prepare();
  await raw.initStartAndWait();
  try {
    const tool = {
      stop: () => ctx.tool.run(home, ['manage', 'stop']),
      start: () => ctx.tool.run(home, ['manage', 'start']),
    };
    return await warm(
      'native',
      ctx.rounds,
      tool,
      { stop: () => raw.stop(), startAndWait: () => raw.startAndWait() },
      'pg_ctl',
    );
  } finally {
    await raw.remove();
  }
}
