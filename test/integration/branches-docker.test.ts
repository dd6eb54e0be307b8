import { describe } from 'vitest';
import { branchesSuite } from '../support/branches-suite.js';

/**
 * The same on the docker engine, on the offline test image. Without a daemon or the image this
 * fails (the source instance cannot start), as docker suites must in CI.
 */
describe('instance snapshots and instance branches on the docker engine', () => {
  branchesSuite('docker', 'brsrcdk');
});
