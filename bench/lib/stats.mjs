// Paired measurement: tool and baseline alternate within each round (the order flips every
// round), so drift in machine load hits both sides alike; medians resist outliers.

export function median(samples) {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Runs `rounds` rounds of tool() and baseline(), each returning elapsed ms (they time only
 * what is measured; set-up and clean-up stay outside). Returns a result row.
 */
export async function paired(name, rounds, { tool, baseline, target, baselineName, note }) {
  const t = [];
  const b = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      t.push(await tool(r));
      b.push(await baseline(r));
    } else {
      b.push(await baseline(r));
      t.push(await tool(r));
    }
  }
  return row(name, t, b, { target, baselineName, note });
}

export function row(name, toolSamples, baselineSamples, { target, baselineName, note } = {}) {
  const tool = median(toolSamples);
  const baseline = baselineSamples ? median(baselineSamples) : undefined;
  const ratio = baseline ? tool / baseline : undefined;
  return {
    name,
    baseline_name: baselineName ?? null,
    tool_ms: round(tool),
    baseline_ms: baseline === undefined ? null : round(baseline),
    ratio: ratio === undefined ? null : Math.round(ratio * 100) / 100,
    target: target ?? null,
    met: target === undefined || ratio === undefined ? null : ratio <= target,
    note: note ?? null,
    samples: { tool: toolSamples.map(round), baseline: baselineSamples ? baselineSamples.map(round) : null },
  };
}

/** A measurement that could not run here, with the reason (kept in the table and the JSON). */
export function skipped(name, reason) {
  return {
    name,
    baseline_name: null,
    tool_ms: null,
    baseline_ms: null,
    ratio: null,
    target: null,
    met: null,
    note: reason,
    samples: null,
  };
}

const round = (ms) => Math.round(ms * 10) / 10;

/** Elapsed ms of an async function. */
export async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The table printed at the end (markdown, so it pastes into notes as it is). */
export function table(rows) {
  const head = ['measurement', 'tool ms', 'baseline', 'baseline ms', 'ratio', 'target', 'ok'];
  const lines = rows.map((r) => [
    r.name,
    r.tool_ms === null ? '' : `${fmt(r.tool_ms)}${r.unit ? ` ${r.unit}` : ''}`,
    r.baseline_name ?? '',
    r.baseline_ms === null ? '' : `${fmt(r.baseline_ms)}${r.unit ? ` ${r.unit}` : ''}`,
    r.ratio === null ? '' : `${r.ratio.toFixed(2)}x`,
    // Throughput rows (higher is better) have a floor, not a ceiling.
    r.target === null ? '' : `${r.higher_is_better ? '>=' : '<='} ${r.target}x`,
    r.met === null ? (r.note ?? '') : r.met ? 'yes' : 'MISSED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmtLine = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmtLine(head), fmtLine(widths.map((w) => '-'.repeat(w))), ...lines.map(fmtLine)].join('\n');
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
