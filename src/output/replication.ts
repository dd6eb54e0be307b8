import type { CredentialsData } from '../commands/credentials.js';
import type { InstanceStatus } from '../commands/status/index.js';

/** status text: the replication section, only when some instance is a replica or has one. */
export function replicationLines(instances: InstanceStatus[]): string[] {
  const lines: string[] = [];
  for (const i of instances) {
    if (i.replication) {
      const r = i.replication;
      const stream =
        r.primary_reachable === null
          ? 'state not checked'
          : r.primary_reachable
            ? `streaming, lag ${r.lag_bytes ?? '?'} bytes / ${r.lag_seconds ?? '?'} s`
            : 'primary unreachable (still readable; manage promote makes it writable)';
      lines.push(`  ${i.name}: replica of ${r.primary} (read-only), ${stream}`);
    } else if (i.replicas?.length) {
      lines.push(`  ${i.name}: primary of ${i.replicas.join(', ')}`);
    }
  }
  return lines.length ? ['', 'replication:', ...lines] : [];
}

/** credentials text: a replica's connection is read-only until promoted. */
export function readOnlyLine(entry: CredentialsData['connections'][number]): string {
  return entry.read_only
    ? `\nread-only: yes (streaming replica; writes fail until: resource-postgres manage promote --instance ${entry.id})` +
        (entry.read_only_note ? `\nnote: ${entry.read_only_note}` : '')
    : '';
}
