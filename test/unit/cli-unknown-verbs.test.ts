import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';
import { closest, editDistance } from '../../src/cli/suggest.js';

/** A mistyped verb is named, its group's verbs listed, and the closest one suggested. */
const penv = { env: {}, homeInUse: () => '/tmp/home' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('unknown verbs are named, listed and the closest suggested', () => {
  const MANAGE = 'install, start, stop, restart, uninstall';
  const BACKUP = 'create, list, restore, verify, prune, remove';
  it.each([
    ['manage frobnicate', `unknown command: manage frobnicate; manage verbs: ${MANAGE}`, undefined],
    ['manage strat', `unknown command: manage strat; manage verbs: ${MANAGE}`, 'resource-postgres manage start'],
    ['manage stp --force', 'unknown command: manage stp', 'resource-postgres manage stop'],
    ['backup frob', `unknown command: backup frob; backup verbs: ${BACKUP}`, undefined],
    ['backup verfy b1', 'unknown command: backup verfy', 'resource-postgres backup verify'],
    [
      'content lst',
      'unknown command: content lst; content verbs: list, create-database,',
      'resource-postgres content list',
    ],
    ['content exec', 'unknown command: content exec', 'resource-postgres content execute'],
    ['frobnicate', 'unknown command: frobnicate; commands: help, info, status,', undefined],
    ['instal', 'unknown command: instal', 'resource-postgres install'],
    ['stat', 'unknown command: stat', 'resource-postgres status'],
    ['--home /tmp/h manage stpo', 'unknown command: manage stpo', 'resource-postgres manage stop'],
  ])('%s', async (line, message, suggestion) => {
    const error = await parse(line).then(
      () => undefined,
      (e: { message: string; hint?: string; exitCode: number }) => e,
    );
    expect(error?.exitCode).toBe(1);
    expect(error?.message).toContain(message);
    if (suggestion)
      expect(error?.hint).toBe(`did you mean: ${suggestion}? (see ${suggestion.replace(/ \S+$/, '')} --help)`);
    else expect(error?.hint).toMatch(/^see resource-postgres( \w+)? --help$/);
  });

  it.each([
    ['test smok', /invalid suite "smok": choose one of smoke, integration, unit, all/, 'did you mean smoke?'],
    ['manage start --engine dockr', /invalid --engine "dockr"/, 'did you mean docker?'],
  ])('%s: a mistyped choice gets a suggestion too', async (line, message, hint) => {
    await expect(parse(line)).rejects.toMatchObject({ message: expect.stringMatching(message), hint });
  });

  it.each([
    ['strat', 'start', 1],
    ['lst', 'list', 1],
    ['frobnicate', 'restart', 8],
    ['', 'stop', 4],
  ])('editDistance(%j, %j) = %i', (a, b, d) => expect(editDistance(a, b)).toBe(d));

  it.each([
    ['uninst', ['install', 'uninstall'], 'uninstall'],
    ['re', ['restart', 'restore'], undefined],
    ['rest', ['restart', 'restore'], undefined],
    ['restor', ['restart', 'restore'], 'restore'],
    ['STRAT', ['start', 'stop'], 'start'],
    ['xyz', ['start', 'stop'], undefined],
  ])('closest(%j) = %j', (word, candidates, expected) => expect(closest(word, candidates)).toBe(expected));
});
