// Warm stop and start of an existing instance against the raw equivalent on the same engine.
import { row, timed } from '../lib/stats.mjs';

/**
 * tool: { stop(), start() } through the CLI; raw: { stop(), startAndWait() }. Each round stops
 * then starts both (the order of tool and raw flips every round); each step is timed.
 * Targets (issue 17): start within startTarget of the raw start, stop within 1.5x.
 */
export async function warm(label, rounds, tool, raw, rawName, startTarget = 1.5) {
  const s = { toolStop: [], rawStop: [], toolStart: [], rawStart: [] };
  for (let r = 0; r < rounds; r++) {
    const steps = [
      async () => s.toolStop.push(await timed(tool.stop)),
      async () => s.rawStop.push(await timed(raw.stop)),
      async () => s.toolStart.push(await timed(tool.start)),
      async () => s.rawStart.push(await timed(raw.startAndWait)),
    ];
    const order = r % 2 === 0 ? [0, 1, 2, 3] : [1, 0, 3, 2];
    for (const i of order) await steps[i]();
  }
  return [
    row(`warm start, ${label}`, s.toolStart, s.rawStart, {
      target: startTarget,
      baselineName: `${rawName} start + poll`,
    }),
    row(`stop, ${label}`, s.toolStop, s.rawStop, { target: 1.5, baselineName: `${rawName} stop` }),
  ];
}
