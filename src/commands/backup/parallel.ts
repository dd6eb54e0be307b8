/**
 * Per-database backup and restore work runs a few at a time: a dump or restore of a small
 * database is mostly waiting (process start, docker exec round trips, connections), so it
 * overlaps the big one instead of queueing behind it. Few, because each is a server backend
 * plus a client process, and the big one's compression or index builds want the cores.
 */
export const PARALLEL_DATABASES = 3;

/**
 * fn over items with at most `limit` running at once; results in the items' order. After a
 * failure no further item starts, and the first failure is thrown once those running have
 * ended: the caller's cleanup (removing a partial backup, dropping staging databases) never
 * races work still writing.
 */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
