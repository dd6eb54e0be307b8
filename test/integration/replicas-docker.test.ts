import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe } from 'vitest';
import { replicaSuite } from '../support/replica-suite.js';

/**
 * The docker engine: the replica's container reaches the primary's over the replication
 * network; pg_basebackup of the test image makes the copy. Without a daemon (CI=true) this
 * fails: the primary cannot start.
 */
const run = promisify(execFile);

describe('streaming replicas on the docker engine', () => {
  replicaSuite({
    engine: 'docker',
    primary: 'rpd',
    replica: 'rpd_r',
    killPrimary: async (_home, name) => {
      await run('docker', ['kill', `resource-postgres-${name}`]);
    },
  });
});
