import type { execa as Execa, Options, ResultPromise } from 'execa';

let loading: Promise<typeof Execa> | undefined;

/**
 * execa, evaluated on the first process a command starts rather than when the native engine
 * loads: its module graph was most of the engine's load time, and `status` or a warm start of
 * a running server spawns nothing. Callers only await the result (no subprocess handle).
 */
export async function execa<O extends Options>(
  file: string,
  args: readonly string[],
  options: O,
): Promise<Awaited<ResultPromise<{} & O>>> {
  const run = await (loading ??= import('execa').then((m) => m.execa));
  return await run(file, args, options);
}
