import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';

const penv = { env: {}, homeInUse: () => '/tmp/home' };
const parse = (line: string) => parseArgv(line.split(' '), penv);

describe('backup argv -> options', () => {
  it.each([
    ['backup create', { action: 'create', instance: 'main', dryRun: false, method: undefined, database: undefined }],
    [
      'backup create --instance app --database shop --name pre-upgrade --method logical',
      { instance: 'app', database: 'shop', name: 'pre-upgrade', method: 'logical' },
    ],
    [
      'backup create --all-databases --method physical --backup-dir /srv/b',
      { method: 'physical', backupDir: '/srv/b' },
    ],
    ['backup list', { action: 'list', instance: undefined }],
    ['backup restore b1', { action: 'restore', name: 'b1', force: false, instance: undefined, toInstance: undefined }],
    ['backup restore b1 --to-instance copy', { toInstance: 'copy' }],
    ['backup restore b1 --instance app --force', { instance: 'app', force: true }],
    ['backup verify b1 --restore-test', { action: 'verify', name: 'b1', restoreTest: true }],
    ['backup prune --keep 3', { action: 'prune', keep: 3 }],
    ['backup prune --older-than 7d --instance app', { olderThan: '7d', instance: 'app' }],
    ['backup remove b1 --force', { action: 'remove', name: 'b1', force: true }],
    ['test all --instance app', { suite: 'all', instance: 'app' }],
  ])('%s', async (line, options) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('run');
    if (inv.kind === 'run') expect(inv.options).toMatchObject(options);
  });

  it.each([
    ['backup create --database a --all-databases', /exclude each other/],
    ['backup create --name --force', /--name needs a value|not the flag/],
    ['backup create --name ../x', /invalid backup name/],
    ['backup create --method tar', /invalid --method "tar": choose one of logical, physical/],
    ['backup create --database bad-name', /invalid database name/],
    ['backup restore --force', /Not enough|needs|name/i],
    ['backup restore b1 --to-instance -x', /needs a value|not the flag|unknown/],
    ['backup prune', /exactly one of --keep/],
    ['backup prune --keep 1 --older-than 7d', /exactly one of --keep/],
    ['backup prune --older-than soon', /invalid age/],
    ['backup prune --keep -1', /whole number/],
    ['backup frobnicate', /unknown/],
    ['test weekly', /invalid suite "weekly"/],
  ])('%s is refused', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
  });

  it.each(['backup --help', 'backup create --help', 'backup restore --help', 'test --help'])(
    '%s prints help',
    async (line) => {
      const inv = await parse(line);
      expect(inv.kind).toBe('print');
    },
  );
});

/** Flags are consistent across the group: `backup verify NAME --instance X` was refused. */
describe('every backup verb takes --instance', () => {
  it.each([
    ['backup create --instance app', { action: 'create', instance: 'app' }],
    ['backup list --instance app', { action: 'list', instance: 'app' }],
    ['backup restore b1 --instance app', { action: 'restore', instance: 'app' }],
    ['backup verify b1 --instance app', { action: 'verify', name: 'b1', instance: 'app' }],
    ['backup verify b1', { action: 'verify', name: 'b1', instance: undefined }],
    ['backup prune --keep 1 --instance app', { action: 'prune', instance: 'app' }],
    ['backup remove b1 --instance app --force', { action: 'remove', name: 'b1', instance: 'app', force: true }],
    ['backup remove b1 --force', { action: 'remove', instance: undefined }],
  ])('%s', async (line, options) => {
    const inv = await parse(line);
    expect(inv.kind).toBe('run');
    if (inv.kind === 'run') expect(inv.options).toMatchObject(options);
  });

  it.each([
    ['backup verify b1 --instance ../x', /invalid instance name/],
    ['backup remove b1 --instance --force', /--instance needs a value/],
    ['backup verify b1 --instance', /--instance needs a value|Not enough/],
  ])('%s is refused', async (line, message) => {
    await expect(parse(line)).rejects.toThrow(message);
  });
});
