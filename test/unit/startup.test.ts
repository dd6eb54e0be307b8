import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';
import { ROOT } from '../support/cli.js';

/**
 * Start-up cost: help, --version, info and completion must not load the engines' or the
 * client's packages (the bundle keeps each lazy import() in its own chunk for that). Runs the
 * built bundle with loader hooks that record every module it resolves.
 */
const HEAVY = [
  'dockerode',
  'docker-modem',
  'ssh2',
  'pg',
  'pg-protocol',
  'pg-pool',
  'pg-copy-streams',
  'execa',
  // certificates: only made or read by TLS work (its ASN.1 schemas cost ~30 ms to load)
  '@peculiar/x509',
  'asn1js',
];
const hooks = pathToFileURL(join(ROOT, 'test', 'support', 'record-loads.mjs')).href;
const registerHooks = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(hooks)})`;
const bundle = join(ROOT, 'dist', 'resource-postgres.mjs');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rp-startup-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runRecorded(args: string[], name: string): Promise<{ code: number; stdout: string; packages: Set<string> }> {
  const log = join(dir, `${name}.log`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', registerHooks, bundle, ...args],
      {
        env: { ...process.env, RECORD_LOADS_FILE: log, RESOURCE_POSTGRES_HOME: join(dir, 'home'), NO_COLOR: '1' },
        timeout: 20_000,
      },
      async (err, stdout) => {
        const urls = (await readFile(log, 'utf8').catch(() => '')).split('\n');
        const packages = new Set(
          urls.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => Boolean(p)),
        );
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, packages });
      },
    );
  });
}

describe('start-up loads only what the command needs', () => {
  it.each([['--help'], ['--version'], ['info'], ['info', '--json'], ['completion'], ['status', '--json']])(
    '%s',
    async (...args) => {
      const run = await runRecorded(args, args.join('_'));
      expect(run.code).toBe(args[0] === 'status' ? 2 : 0); // status: no instances in the temp home
      expect(run.packages.has('yargs')).toBe(true); // the recorder works
      expect([...run.packages].filter((p) => HEAVY.includes(p))).toEqual([]);
    },
  );
});

describe('--version and completion', () => {
  it('--version prints the package.json version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await runRecorded(['--version'], 'version')).stdout).toBe(`${version}\n`);
  });

  it('completion prints a bash script that calls back for completions', async () => {
    const inv = await parseArgv(['completion'], { env: {}, homeInUse: () => '/tmp' });
    expect(inv).toMatchObject({
      kind: 'print',
      text: expect.stringContaining(
        'complete -o bashdefault -o default -F _resource-postgres_yargs_completions resource-postgres',
      ),
    });
    expect(inv.kind === 'print' && inv.text).toContain('--get-yargs-completions');
  });

  it.each([
    [
      ['resource-postgres', 'ma'],
      ['manage', 'status', 'completion'],
    ],
    [
      ['resource-postgres', 'manage', ''],
      ['install', 'start', 'stop', 'restart', 'uninstall'],
    ],
    [
      ['resource-postgres', 'manage', 'start', '--engine', ''],
      ['docker', 'native', 'auto'],
    ],
  ])('completes %j', async (words, expected) => {
    const inv = await parseArgv(['--get-yargs-completions', ...words], { env: {}, homeInUse: () => '/tmp' });
    expect(inv.kind).toBe('print');
    if (inv.kind === 'print') expect(inv.text.split('\n')).toEqual(expect.arrayContaining(expected));
  });

  it('completion is strict like every verb', async () => {
    await expect(parseArgv(['completion', 'extra'], { env: {}, homeInUse: () => '/tmp' })).rejects.toThrow(
      /unknown command: extra/,
    );
  });
});
