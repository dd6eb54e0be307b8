import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';

/** The platform runs `resource-postgres install`: the top-level verbs are manage <verb>, flag for flag. */
const penv = { env: {}, homeInUse: () => '/tmp/home' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

async function run(line: string) {
  const inv = await parse(line);
  if (inv.kind !== 'run') throw new Error(`${line} printed instead of running`);
  return inv;
}

describe('top-level install/start/stop/restart/uninstall are manage <verb>', () => {
  it.each([
    'install',
    'install --verbose',
    'install --force --skip-validation --engine native --timeout 90',
    'start',
    'start --force',
    'start --instance app --port 5440 --template testing --engine native --no-wait',
    'start --all --dry-run',
    'stop',
    'stop --force --timeout 5 --instance app',
    'restart --instance x --timeout 9',
    'uninstall --force',
    'uninstall --instance app --force --keep-data',
  ])('%s', async (line) => {
    const top = await run(line);
    const managed = await run(`manage ${line}`);
    expect(top.command).toBe(managed.command);
    expect(top.command).toBe(`manage.${line.split(' ')[0]}`);
    expect(top.options).toEqual(managed.options);
    expect(top.globals).toEqual(managed.globals);
  });

  it.each([
    ['start --bogus', /unknown option or argument: --bogus/],
    ['start --instance', /--instance needs a value/],
    ['start --port 80', /invalid --port "80"/],
    ['stop --timeout abc', /--timeout must be a non-negative number/],
    ['uninstall --keep', /unknown option or argument: --keep/],
  ])('%s is refused like its manage twin', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
    await expect(parse(`manage ${line}`)).rejects.toThrow(message);
  });

  it.each(['start --help', 'install --help', 'uninstall --help'])(
    '%s prints the same flags as manage',
    async (line) => {
      const top = await parse(line);
      const managed = await parse(`manage ${line}`);
      const flags = (inv: typeof top) =>
        inv.kind === 'print' ? [...new Set(inv.text.match(/--[a-z-]+/g))].sort() : undefined;
      expect(flags(top)).toBeDefined();
      expect(flags(top)).toEqual(flags(managed));
    },
  );

  it('help lists the top-level verbs and says what --force means', async () => {
    const help = await parse('--help');
    expect(help.kind === 'print' && help.text).toMatch(/resource-postgres install\s+Same as: manage install/);
    const start = await parse('start --help');
    expect(start.kind === 'print' && start.text.replace(/\s+/g, ' ')).toMatch(
      /--force repair: restart only if it runs but fails the health probe; a healthy instance is left alone/,
    );
  });
});
