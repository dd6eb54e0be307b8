import type { Context } from '../../context.js';
import type { CommandResult } from '../result.js';
import { createSnapshot } from './create.js';
import { listSnapshotsCommand, removeSnapshot } from './list.js';
import type { SnapshotOptions } from './options.js';
import { restoreSnapshot } from './restore.js';

export type { SnapshotChangeData, SnapshotListData, SnapshotOptions } from './options.js';

/** `snapshot <verb>`: database-level snapshots kept inside the instance (CREATE DATABASE ... TEMPLATE). */
export async function snapshot(ctx: Context, opts: SnapshotOptions, signal?: AbortSignal): Promise<CommandResult> {
  switch (opts.action) {
    case 'create':
      return createSnapshot(ctx, opts, signal);
    case 'restore':
      return restoreSnapshot(ctx, opts, signal);
    case 'list':
      return listSnapshotsCommand(ctx, opts, signal);
    case 'remove':
      return removeSnapshot(ctx, opts, signal);
  }
}
