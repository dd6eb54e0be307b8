import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';

/** `pooler start|stop|status` and `credentials --pooler`: argv -> options, bad values refused. */
const penv = { env: {}, homeInUse: () => '/tmp/home' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('pooler argv -> options', () => {
  it.each([
    ['pooler start', 'pooler.start', { action: 'start', instance: 'main', mode: undefined, dryRun: false }],
    ['pooler start --instance app --mode session', 'pooler.start', { instance: 'app', mode: 'session' }],
    ['pooler start --dry-run', 'pooler.start', { dryRun: true }],
    ['pooler stop --instance app', 'pooler.stop', { action: 'stop', instance: 'app', dryRun: false }],
    ['pooler status --instance app --json', 'pooler.status', { action: 'status', instance: 'app' }],
    ['credentials --pooler --instance app', 'credentials', { pooler: true, instance: 'app' }],
    ['credentials --instance app', 'credentials', { pooler: false }],
  ])('%s', async (line, command, options) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('run');
    if (inv.kind === 'run') {
      expect(inv.command).toBe(command);
      expect(inv.options).toMatchObject(options);
    }
  });

  it.each([
    ['pooler start --mode statement', /invalid --mode "statement"/],
    ['pooler start --mode', /--mode/],
    ['pooler restart', /pooler/],
    ['pooler', /name a pooler action/],
    ['pooler status --mode session', /unknown/i],
  ])('refuses %s', async (line, why) => {
    await expect(parse(line)).rejects.toThrow(why);
  });
});
