import type { CommandModule } from 'yargs';
import * as opt from './args.js';
import { usageError } from '../core/errors.js';

/** `ui [--port P] [--open]`: flags in, the console's options out (src/ui/index.ts). */
function port(a: opt.Args): number {
  const v = opt.value(a, 'port');
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535)
    throw usageError(
      `--port must be a whole number from 1 to 65535, not ${JSON.stringify(v)}`,
      'e.g. --port 8754, or leave it out for a free port',
    );
  return Number(v);
}

export function uiCommand(run: opt.Run): CommandModule {
  return {
    command: 'ui',
    describe: 'Local web console on 127.0.0.1: instances, start/stop, logs, databases, SQL (URL with a token)',
    builder: (y) =>
      y.options({
        port: opt.str('port on 127.0.0.1 (default: a free one)'),
        open: opt.flag('open the console in a browser (xdg-open); the URL is printed anyway'),
      }),
    handler: run('ui', (a) => ({ port: port(a), open: Boolean(a.open) })) as CommandModule['handler'],
  };
}
