import { resourceMeta, type ResourceMeta } from '../core/resource-meta.js';
import { type CommandResult, result } from './result.js';

export function info(): CommandResult<ResourceMeta> {
  return result('info', resourceMeta());
}
