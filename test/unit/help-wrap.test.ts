import { describe, expect, it } from 'vitest';
import { helpWidth, wrapHelp } from '../../src/cli/help-wrap.js';
import { parseArgv } from '../../src/cli/program.js';

/** Help is never split mid-word: wrapped at word boundaries, at the terminal's width or 120. */
const words = (text: string) => text.split(/\s+/).filter(Boolean);
const help = async (argv: string[]) => {
  const inv = await parseArgv(argv, { env: {}, homeInUse: () => '/tmp/home' });
  if (inv.kind !== 'print') throw new Error('expected help text');
  return inv.text;
};

describe('help wrapping', () => {
  it('continues a long description under its column, never cutting a word', () => {
    const line = `  cmd       ${'alpha beta gamma delta '.repeat(6).trim()}`;
    const out = wrapHelp(line, 60).split('\n');
    expect(out.length).toBeGreaterThan(1);
    for (const l of out) expect(l.length).toBeLessThanOrEqual(60);
    for (const l of out.slice(1)) expect(l).toMatch(/^ {12}\S/);
    expect(words(out.join(' '))).toEqual(words(line));
  });

  it('puts a word longer than the room on its own line instead of splitting it', () => {
    const long = 'x'.repeat(80);
    expect(wrapHelp(`  a  b ${long} c`, 40).split('\n')).toEqual(['  a  b', `     ${long}`, '     c']);
  });

  it.each([[['--help']], [['backup', '--help']], [['manage', 'start', '--help']], [['content', 'execute', '--help']]])(
    '%j: no line past 120 columns, and every word whole',
    async (argv) => {
      const text = await help(argv);
      expect(text.split('\n').filter((l) => l.length > 120)).toEqual([]);
      for (const w of ['remove', 'completion)")', 'create-database,', 'PostgreSQL']) {
        if (argv.length === 1) expect(words(text)).toContain(w);
      }
    },
  );

  it('uses the terminal width on a TTY, 120 otherwise', () => {
    expect(helpWidth({ isTTY: true, columns: 80 })).toBe(80);
    expect(helpWidth({ isTTY: false, columns: 80 })).toBe(120);
    expect(helpWidth({ isTTY: true, columns: 300 })).toBe(120);
  });
});
