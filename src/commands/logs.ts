import type { Context } from '../context.js';
import { CliError } from '../core/errors.js';
import type { LogsOptions } from './options.js';
import type { CommandResult } from './result.js';

/** The server log of one instance, bounded by --tail; --follow streams until interrupted. */
export async function logs(ctx: Context, opts: LogsOptions, signal?: AbortSignal): Promise<CommandResult<null>> {
  const instance = await ctx.registry.get(opts.instance);
  const engine = await ctx.engine(instance.engine);
  const source = engine.logs(instance, { tail: opts.tail, since: opts.since, follow: opts.follow, signal });
  // Pull the first line before answering so "no logs" can be an exit code, not an empty stream.
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done && !opts.follow) {
    throw new CliError(
      'not-found',
      `no server log for instance ${instance.name} yet${opts.since ? ` since ${opts.since.toISOString()}` : ''}`,
      {
        hint: `start it with: resource-postgres manage start --instance ${instance.name}`,
      },
    );
  }
  async function* lines() {
    if (!first.done) yield first.value;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { kind: 'logs', exitCode: 0, data: null, lines: lines() };
}
