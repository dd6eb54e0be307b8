import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';

/**
 * Another home's instance holds this instance's port in the machine-wide ledger (both were
 * recorded with it, e.g. before the ledger existed). A running server owns the port in fact:
 * say so and go on. A stopped one would fight the other for it: refuse, naming both.
 */
export async function portClaimedElsewhere(ctx: Context, instance: Instance, running: boolean): Promise<void> {
  const holder = (await ctx.ledger.foreign(ctx.home.dir)).get(instance.port);
  const other = holder?.name ?? 'an instance of another home';
  const move = `set port="NEW" in ${ctx.registry.paths(instance.name).conf} (a free port in ${DEFAULTS.portRangeStart}-${DEFAULTS.portRangeEnd})`;
  if (running) {
    ctx.talk.warn(
      `port ${instance.port} of instance ${instance.name} is also recorded by ${other}; ${move} or move that one`,
    );
    return;
  }
  throw new CliError(
    'conflict',
    `instance ${instance.name} cannot start: its port ${instance.port} is also recorded by ${other}`,
    {
      hint: `${move}, or move or uninstall the other${holder?.fix ? ` (${holder.fix})` : ''}`,
    },
  );
}
