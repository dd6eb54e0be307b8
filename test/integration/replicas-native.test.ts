import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from 'vitest';
import { replicaSuite } from '../support/replica-suite.js';

/** kill -9 of the primary's postmaster: its data directory is recorded in instance.conf (or the default). */
async function killPostmaster(home: string, name: string): Promise<void> {
  const conf = await readFile(join(home, name, 'config', 'instance.conf'), 'utf8');
  const dataDir = /^data_dir="([^"]+)"$/m.exec(conf)?.[1] ?? join(home, name, 'data');
  const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  process.kill(pid, 'SIGKILL');
}

describe('streaming replicas on the native engine', () => {
  replicaSuite({ engine: 'native', primary: 'rpn', replica: 'rpn_r', killPrimary: killPostmaster });
});
