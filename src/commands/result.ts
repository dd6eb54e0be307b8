/** What a command hands back to main: data to render, and the exit code it implies. */
export interface CommandResult<T = unknown> {
  /** Selects the text/env renderer in output/render.ts. */
  kind: string;
  exitCode: number;
  data: T;
  /** Streaming commands (logs --follow, content execute) yield lines instead. */
  lines?: AsyncIterable<string>;
}

export function result<T>(kind: string, data: T, exitCode = 0): CommandResult<T> {
  return { kind, data, exitCode };
}

/** Runs fn over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
