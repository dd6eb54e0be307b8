import { describe, expect, it } from 'vitest';
import { rolledBack } from '../../src/commands/snapshot/instance-restore-command.js';

describe('an instance restore says which database-level snapshots went back with the data', () => {
  it('names the ones lost and the ones brought back', () => {
    expect(rolledBack(['a', 'b'], ['b', 'c'])).toBe(
      '; database-level snapshots went back with the data: lost a; brought back c',
    );
  });
  it('says nothing when they are the same', () => {
    expect(rolledBack(['a'], ['a'])).toBe('');
  });
});
