import type { Argv } from 'yargs';
import * as opt from './args.js';
import type { PoolerOptions } from '../commands/pooler/index.js';
import { DEFAULTS } from '../core/defaults.js';
import { parsePoolerMode, POOLER_MODES } from '../core/pooler.js';

/** `pooler start|stop|status`: a PgBouncer per instance (commands/pooler/). */
export function poolerCommands(y: Argv, defaultInstance: string, run: opt.Run): Argv {
  const inst = { instance: opt.instanceOpt(defaultInstance) };
  const range = `${DEFAULTS.poolerPortRangeStart}-${DEFAULTS.poolerPortRangeEnd}`;
  return y
    .command(
      'start',
      `Start the instance's PgBouncer on its own port (${range}); the instance must be running`,
      (c) =>
        c.options({
          ...inst,
          mode: opt.str(`pool mode: ${POOLER_MODES.join(' or ')} (default: the recorded one, else transaction)`),
          'dry-run': opt.dryRunOpt,
        }),
      run('pooler.start', (a): PoolerOptions => ({
        action: 'start',
        instance: opt.instanceName(a),
        mode: opt.value(a, 'mode') === undefined ? undefined : parsePoolerMode(opt.value(a, 'mode')),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'stop',
      "Stop the instance's PgBouncer and remove it (its port is released)",
      (c) => c.options({ ...inst, 'dry-run': opt.dryRunOpt }),
      run('pooler.stop', (a): PoolerOptions => ({
        action: 'stop',
        instance: opt.instanceName(a),
        dryRun: Boolean(a['dry-run']),
      })),
    )
    .command(
      'status',
      "Whether the instance's PgBouncer runs and lets an application's login through",
      (c) => c.options(inst),
      run('pooler.status', (a): PoolerOptions => ({ action: 'status', instance: opt.instanceName(a) })),
    )
    .demandCommand(1, 'name a pooler action: start, stop or status');
}
