import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { replicaSuite } from '../support/replica-suite.js';

/**
 * The docker engine: the replica's container reaches the primary's over the replication
 * network; pg_basebackup of the test image makes the copy. Without a daemon (CI=true) this
 * fails: the primary cannot start.
 */
const run = promisify(execFile);

describe('streaming replicas on the docker engine', () => {
  const { cli } = replicaSuite({
    engine: 'docker',
    primary: 'rpd',
    replica: 'rpd_r',
    killPrimary: async (_home, name) => {
      await run('docker', ['kill', `resource-postgres-${name}`]);
    },
  });

  it("removing the instances removes the primary's replication network too", async () => {
    await run('docker', ['network', 'inspect', 'resource-postgres-rpd-replication']);
    expect((await cli(['manage', 'uninstall', '--force'])).code).toBe(0);
    await expect(run('docker', ['network', 'inspect', 'resource-postgres-rpd-replication'])).rejects.toThrow(
      /No such network|not found/i,
    );
  });
});
