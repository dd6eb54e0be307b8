import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';
import { parseDuration } from '../../src/core/duration.js';

/**
 * One rule for "a flag is never a value" in every verb group, and one duration syntax for
 * every flag that takes a duration: the same input gets the same answer wherever it is typed.
 */
const parse = (line: string[]) => parseArgv(line, { env: {}, homeInUse: () => '/tmp' });

describe('a token spelled like a flag is never a value, in every group', () => {
  it.each([
    [['manage', 'start', '--template', '--force']],
    [['manage', 'start', '--template', '-f']],
    [['manage', 'start', '--template=--no-wait']],
    [['content', 'execute', '--database', '--force', 'select 1']],
    [['content', 'migrate', '--database', '-x']],
    [['backup', 'create', '--name', '--dry-run']],
    [['backup', 'restore', 'b1', '--to-instance', '-x']],
    [['logs', '--since', '--follow']],
  ])('%j is refused with the flag named', async (argv) => {
    await expect(parse(argv)).rejects.toThrow(/needs a value/);
  });

  it.each([
    [['content', 'execute', '--sql=-- only a comment'], { sql: '-- only a comment' }],
    [['content', 'execute', '--sql', '-1'], { sql: '-1' }],
  ])('%j: negative numbers and SQL comments are values', async (argv, expected) => {
    expect(await parse(argv)).toMatchObject({ kind: 'run', options: expected });
  });

  it('a negative port is judged as a port, not as a flag', async () => {
    await expect(parse(['manage', 'start', '--port', '-1'])).rejects.toThrow(/port/);
    await expect(parse(['manage', 'start', '--port', '-1'])).rejects.not.toThrow(/needs a value/);
  });
});

describe('one duration syntax', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    [' 5m ', 300_000],
  ])('%j is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '7', 'd7', '1.5h', '-1d', '7y', '10 m'])('%j is not a duration', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('logs --since and backup prune --older-than both take weeks and seconds', async () => {
    expect(await parse(['logs', '--since', '2w'])).toMatchObject({ kind: 'run', command: 'logs' });
    expect(await parse(['logs', '--since', '45s'])).toMatchObject({ kind: 'run', command: 'logs' });
    expect(await parse(['backup', 'prune', '--older-than', '45s'])).toMatchObject({
      kind: 'run',
      options: { olderThan: '45s' },
    });
  });
});
