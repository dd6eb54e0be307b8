import { describe } from 'vitest';
import { branchesSuite } from '../support/branches-suite.js';

/** Instance-level snapshots and `manage start --from` on real native servers (support/branches-suite.ts). */
describe('instance snapshots and instance branches on the native engine', () => {
  branchesSuite('native', 'brsrc');
});
