import { describe, expect, it } from 'vitest';
import { loadPg } from '../../src/postgres/client.js';

/**
 * Loading pg must not load node's fetch implementation (undici): pg's Cloudflare check builds
 * a fetch Response when there is no global navigator (Node 20), ~15 ms of every connected run.
 */
describe('loadPg', () => {
  const undiciLoaded = () =>
    (process as unknown as { moduleLoadList: string[] }).moduleLoadList.some((m) => m.includes('undici'));

  it('loads pg without undici and leaves the globals as they were', async () => {
    const hadNavigator = 'navigator' in globalThis;
    const before = undiciLoaded();
    const pg = await loadPg();
    expect(typeof pg.Client).toBe('function');
    if (!before) expect(undiciLoaded()).toBe(false);
    expect('navigator' in globalThis).toBe(hadNavigator);
    expect(await loadPg()).toBe(pg); // once per process
  });
});
