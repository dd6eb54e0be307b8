import type { Context } from '../../context.js';
import { add } from './add.js';
import { branch } from './branch.js';
import { create, get, list, remove } from './databases.js';
import { execute } from './execute.js';
import { migrate } from './migrate.js';
import type { ContentOptions } from './options.js';
import type { CommandResult } from '../result.js';

/** `content <verb>`: databases inside an instance and SQL applied to them. */
export async function content(ctx: Context, opts: ContentOptions, signal?: AbortSignal): Promise<CommandResult> {
  switch (opts.action) {
    case 'list':
      return list(ctx, opts, signal);
    case 'create-database':
      // --from: a branch (a copy of another database), not an empty database.
      return opts.from === undefined ? create(ctx, opts, signal) : branch(ctx, { ...opts, from: opts.from }, signal);
    case 'remove':
      return remove(ctx, opts, signal);
    case 'get':
      return get(ctx, opts, signal);
    case 'execute':
      return execute(ctx, opts, signal);
    case 'add':
      return add(ctx, opts, signal);
    case 'migrate':
      return migrate(ctx, opts, signal);
  }
}
