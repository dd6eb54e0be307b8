import type { Context } from '../context.js';
import { add } from './content-add.js';
import { create, get, list, remove } from './content-databases.js';
import { execute } from './content-execute.js';
import { migrate } from './content-migrate.js';
import type { ContentOptions } from './content-options.js';
import type { CommandResult } from './result.js';

/** `content <verb>`: databases inside an instance and SQL applied to them. */
export async function content(ctx: Context, opts: ContentOptions, signal?: AbortSignal): Promise<CommandResult> {
  switch (opts.action) {
    case 'list': return list(ctx, opts, signal);
    case 'create-database': return create(ctx, opts, signal);
    case 'remove': return remove(ctx, opts, signal);
    case 'get': return get(ctx, opts, signal);
    case 'execute': return execute(ctx, opts, signal);
    case 'add': return add(ctx, opts, signal);
    case 'migrate': return migrate(ctx, opts, signal);
  }
}
