import type { Context } from '../context.js';
import type { CommandResult } from '../commands/result.js';
import { commandActions } from './actions.js';
import { openBrowser } from './open.js';
import layout from './page.html';
import script from './page-script.html';
import { newToken } from './security.js';
import { HOST, startConsole } from './server.js';

/** The whole page (style and script inline, no external assets): it works offline and inside the single executable. */
export const page = layout.replace('__SCRIPT__', () => script);

/** `resource-postgres ui`: the local web console, served until SIGINT/SIGTERM. */
export interface UiOptions {
  /** 0: a free port. */
  port: number;
  open: boolean;
}

/**
 * Listens before answering (a taken port is an error, not a stream), then prints the URL with
 * its token as the only line on stdout and serves until the command's signal aborts: the
 * server stops taking requests, lets those in flight end (their commands see the same abort),
 * and the --open redirect file is removed.
 */
export async function ui(ctx: Context, opts: UiOptions, signal: AbortSignal): Promise<CommandResult<null>> {
  const token = newToken();
  const server = await startConsole({ port: opts.port, token, actions: commandActions(ctx, signal), page });
  const url = `http://${HOST}:${server.port}/?token=${token}`;
  async function* lines(): AsyncGenerator<string> {
    let cleanup = async () => {};
    try {
      yield url;
      ctx.talk.info(`web console for ${ctx.home.dir} on ${HOST}:${server.port}; Ctrl-C stops it`);
      if (opts.open) cleanup = await openBrowser(url, ctx.talk);
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await server.close();
      await cleanup();
    }
  }
  return { kind: 'ui', exitCode: 0, data: null, lines: lines() };
}
