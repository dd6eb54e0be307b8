import { parse } from 'yaml';
import text from '../../resource.yaml';

/** Runtime metadata from resource.yaml (embedded at build time), read by `info` and start-up defaults. */
export interface ResourceMeta {
  name: string;
  category: string;
  description: string;
  startup_order: number;
  dependencies: string[];
  startup_time_estimate: string;
  startup_timeout: number;
  recovery_attempts: number;
  priority: string;
}

let cached: ResourceMeta | undefined;

export function resourceMeta(): ResourceMeta {
  cached ??= parse(text) as ResourceMeta;
  return cached;
}
