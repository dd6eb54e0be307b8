import { CliError, describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { ensureAppRole } from '../../postgres/app-role.js';

/** ensureAppRole with an error that names the instance and the way to retry. */
export async function provisionAppRole(instance: Instance): Promise<void> {
  try {
    await ensureAppRole(instance);
  } catch (e) {
    throw new CliError(
      'failed',
      `could not set up the application role ${instance.user} of instance ${instance.name}: ${describeError(e)}`,
      { hint: `the server is running; retry with: resource-postgres manage start --instance ${instance.name}` },
    );
  }
}
