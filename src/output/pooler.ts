import type { PoolerData } from '../commands/pooler/index.js';
import type { InstanceStatus } from '../commands/status/index.js';
import { table } from './table.js';

/** `pooler start|stop|status` as text, and the pooler rows under `status`'s instance table. */
function renderPooler(d: PoolerData): string {
  if (d.action !== 'status' || d.port === null) return d.message;
  return [
    `pooler of ${d.instance}: ${d.result}`,
    `  address: ${d.host}:${d.port}`,
    `  mode:    ${d.mode}`,
    `  pid:     ${d.pid ?? '-'}`,
    `  health:  ${d.message}`,
  ].join('\n');
}

export const poolerTextRenderers = { pooler: renderPooler };

export function poolerLines(instances: InstanceStatus[]): string[] {
  const pooled = instances.filter((i) => i.pooler);
  if (pooled.length === 0) return [];
  const rows = [['POOLER OF', 'STATE', 'HEALTHY', 'PORT', 'MODE']];
  for (const i of pooled) {
    const p = i.pooler!;
    rows.push([i.name, p.running ? 'running' : 'stopped', p.healthy ? 'yes' : 'no', String(p.port), p.mode]);
  }
  const notes = pooled.filter((i) => !i.pooler!.healthy).map((i) => `  pooler of ${i.name}: ${i.pooler!.message}`);
  return ['', table(rows), ...notes];
}
