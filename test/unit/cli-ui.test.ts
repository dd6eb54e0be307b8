import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';

/** `ui [--port P] [--open]`: flags in, the console's options out; help lists it. */
const penv = { env: {}, homeInUse: () => '/tmp/home-in-use' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('ui argv', () => {
  it.each([
    ['ui', { port: 0, open: false }],
    ['ui --port 8754 --open', { port: 8754, open: true }],
    ['ui --home /tmp/h --port 1', { port: 1, open: false }],
  ])('%s', async (line, options) => {
    const inv = await parse(line);
    expect(inv).toMatchObject({ kind: 'run', command: 'ui', options });
  });

  it.each(['0', '65536', 'abc', '80.5', '-1'])('refuses --port %s, naming the flag and the range', async (v) => {
    await expect(parse(`ui --port ${v}`)).rejects.toThrow(
      /--port (must be a whole number from 1 to 65535|needs a value)/,
    );
  });

  it('is listed by help', async () => {
    const help = await parse('help');
    expect(help.kind).toBe('print');
    expect((help as { text: string }).text).toMatch(/resource-postgres ui\s+Local web console/);
  });
});
