import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import { engineArgs, expectRefused, forceCleanup, snapshotHome } from '../support/reliability.js';

/**
 * Input callers get wrong, through the real CLI: `content execute` with no SQL, mistyped
 * verbs, and --instance on every backup verb. Each is refused (or accepted) the same way on
 * both engines; a refusal changes nothing.
 */
const engines = await enginesUnderTest();

describe('f: unknown verbs are named, listed and the closest suggested (no engine needed)', () => {
  let home: string;
  beforeAll(async () => {
    home = await tempHome('rp-callers-verbs-');
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it.each([
    ['manage frobnicate', 'unknown command: manage frobnicate; manage verbs: install, start, stop, restart, uninstall'],
    ['backup frob', 'unknown command: backup frob; backup verbs: create, list, restore, verify, prune, remove'],
    ['content lst', 'unknown command: content lst; content verbs: list, create-database, add, get, remove, execute'],
    ['frobnicate --force', 'unknown command: frobnicate; commands: help, info, status, logs, credentials, manage'],
  ])('%s', async (line, message) => {
    const r = await runCli(line.split(' '), { home });
    expectRefused(r, message);
    const verb = line.split(' ')[1] === 'lst' ? 'list' : undefined;
    if (verb) expect(r.stderr).toMatch(/hint: did you mean: resource-postgres content list\?/);
    else expect(r.stderr).not.toMatch(/did you mean/);
    expect(await snapshotHome(home)).toEqual([]);
  });

  it('suggestions and --json: one error document naming the verb and the closest one', async () => {
    const r = await runCli(['manage', 'strat', '--json'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).error).toMatchObject({
      kind: 'usage',
      message: expect.stringContaining('unknown command: manage strat; manage verbs:'),
      hint: 'did you mean: resource-postgres manage start? (see resource-postgres manage --help)',
    });
  });
});

describe('h: help through a pipe is wrapped at word boundaries (no engine needed)', () => {
  it.each([['help'], ['backup', '--help'], ['content', 'execute', '--help']])('%j', async (...argv) => {
    const home = await tempHome('rp-callers-help-');
    try {
      const r = await runCli(argv, { home });
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines.filter((l) => l.length > 120)).toEqual([]);
      // A word cut in two leaves a line that starts with its tail right under a column.
      if (argv[0] === 'help') {
        expect(r.stdout).toMatch(/\bremove\b/);
        expect(r.stdout).toMatch(/completion\)"\)/);
        expect(r.stdout).not.toMatch(/\n\s+e\n/);
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe.each(engines)('callers input on the %s engine', (engine) => {
  let home: string;
  let backups: string;
  const name = `cin${engine[0]}${randomBytes(3).toString('hex')}`;
  const cli = (args: string[], input?: string) =>
    runCli([...args, '--instance', name], { home, input, timeoutMs: 180_000 });

  beforeAll(async () => {
    home = await tempHome(`rp-callers-input-${engine}-`);
    backups = await mkdtemp(join(tmpdir(), 'rp-callers-backups-'));
    const start = await cli(['manage', 'start', '--template', 'minimal', ...engineArgs(engine)]);
    expect(start.code, start.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await forceCleanup(home);
    await rm(backups, { recursive: true, force: true });
  }, 120_000);

  it('e: content execute with no SQL (stdin empty or blank) exits 1 saying how to pass SQL', async () => {
    for (const [input, extra] of [
      ['', []],
      ['\n  \n\t', []],
      ['', ['--dry-run']],
      ['', ['--database', 'postgres']],
    ] as const) {
      const r = await cli(['content', 'execute', ...extra], input);
      expectRefused(r, 'no SQL given: no argument, no --sql, no --file, and standard input is empty');
      expect(r.stderr).toMatch(/hint: pass it as an argument .*--sql .*--file .*echo "SELECT 1" \| resource-postgres/);
      expect(r.stdout).toBe('');
    }
    const json = await cli(['content', 'execute', '--format', 'json'], '');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.message).toMatch(/^no SQL given/);
    // SQL on stdin still runs, blank lines before it included.
    const ok = await cli(['content', 'execute'], '\n\nSELECT 41 + 1 AS answer;\n');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/answer\s*\n-+\s*\n\s*42\s*\n\(1 row\)/);
  });

  it('g: backup verify and remove take --instance like create, list, restore and prune', async () => {
    const dir = ['--backup-dir', backups];
    const create = await cli(['backup', 'create', '--name', 'nightly', ...dir]);
    expect(create.code, create.stderr).toBe(0);
    expect((await cli(['backup', 'list', ...dir])).code).toBe(0);
    const verify = await cli(['backup', 'verify', 'nightly', ...dir]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/backup nightly verified/);

    // Another instance's backup of the same name: the ambiguity --instance exists to settle.
    await cp(join(backups, name, 'nightly'), join(backups, 'twin', 'nightly'), { recursive: true });
    const plain = ['backup', 'verify', 'nightly', ...dir];
    const ambiguous = await runCli(plain, { home });
    expectRefused(ambiguous, `backup nightly exists for several instances (${name}, twin)`);
    expect(ambiguous.stderr).toMatch(/hint: name the instance with --instance/);
    const twin = await runCli([...plain, '--instance', 'twin'], { home });
    expect(twin.code, twin.stderr).toBe(0);
    expect(twin.stdout).toMatch(/backup nightly verified/);

    const ghost = await runCli([...plain, '--instance', 'ghost'], { home });
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toMatch(/no complete backup named nightly of instance ghost/);
    expect(ghost.stderr).not.toMatch(/unknown option/);

    const remove = await runCli(['backup', 'remove', 'nightly', '--instance', 'twin', '--force', ...dir], { home });
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stdout).toMatch(/removed backup nightly of instance twin/);
    const left = await cli(['backup', 'list', '--json', ...dir]);
    expect(JSON.stringify(JSON.parse(left.stdout))).toContain(`"instance":"${name}"`);
    expect(JSON.stringify(JSON.parse(left.stdout))).not.toContain('"instance":"twin"');
    expect((await runCli([...plain, '--instance', 'ghost', '--json'], { home })).code).toBe(2);
    expect((await cli(['backup', 'remove', 'nightly', '--force', ...dir])).code).toBe(0);
  }, 240_000);
});
