// resource-postgres as the bench runs it: the single executable (or the checkout launcher
// under node), each call in its own home, output captured.
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { onCleanup } from './cleanup.mjs';
import { must } from './exec.mjs';

export class Tool {
  /** @param {string[]} command e.g. ['/path/dist/resource-postgres'] or [node, 'bin/resource-postgres'] */
  constructor(command) {
    this.command = command;
  }

  /**
   * Spares are off unless a suite passes env RESOURCE_POSTGRES_SPARES=on (suites/spares.mjs):
   * the other rows measure the cold path they always did, with no background builds beside them.
   */
  run(home, args, opts = {}) {
    const [file, ...prefix] = this.command;
    const { env, ...rest } = opts;
    return must(file, [...prefix, ...args], {
      env: { ...process.env, RESOURCE_POSTGRES_HOME: home, NO_COLOR: '1', RESOURCE_POSTGRES_SPARES: 'off', ...env },
      ...rest,
    });
  }

  /** A fresh home under root, uninstalled (every instance and its data) and removed at clean-up. */
  async home(root, name) {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755); // traversable by the server user, like the raw baselines' directories
    onCleanup(`home ${dir}`, async () => {
      await this.run(dir, ['manage', 'uninstall', '--force'], { okCodes: [1, 2] });
      await rm(dir, { recursive: true, force: true });
    });
    return dir;
  }
}
