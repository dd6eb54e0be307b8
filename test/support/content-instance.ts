import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type CliRun, destroyHome, runCli, tempHome, TEST_IMAGE } from './cli.js';

/**
 * The running instance the `content` suites share, one per engine and suite file: a home with
 * the instance started, a scratch directory for SQL files, and the CLI aimed at the instance.
 * Each suite file passes its own instance name, since docker container names are machine-wide
 * and the files run in parallel.
 */
export interface ContentInstance {
  /** Set by the beforeAll this registers. */
  home: string;
  /** Scratch directory for SQL files; set by the beforeAll this registers. */
  work: string;
  /** The real CLI with `--instance` appended. */
  cli: (args: string[], input?: string, env?: NodeJS.ProcessEnv) => Promise<CliRun>;
  /** `content execute --format json` that must succeed: the results' rows. */
  sql: (database: string, text: string) => Promise<Array<{ rows: Array<Record<string, unknown>> }>>;
  /** Writes `content` (file name to text) into `dir`, made if missing; returns `dir`. */
  files: (dir: string, content: Record<string, string>) => Promise<string>;
}

/**
 * Registers, in the calling describe, a beforeAll that starts `instance` on `engine` in a
 * fresh home and an afterAll that removes the home and the scratch directory.
 */
export function useContentInstance(engine: 'docker' | 'native', instance: string): ContentInstance {
  const ct: ContentInstance = {
    home: '',
    work: '',
    cli: (args, input, env) => runCli([...args, '--instance', instance], { home: ct.home, input, env }),
    sql: async (database, text) => {
      const r = await ct.cli(['content', 'execute', '--database', database, '--format', 'json', text]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).results as Array<{ rows: Array<Record<string, unknown>> }>;
    },
    files: async (dir, content) => {
      await mkdir(dir, { recursive: true });
      for (const [name, text] of Object.entries(content)) await writeFile(join(dir, name), text);
      return dir;
    },
  };

  beforeAll(async () => {
    ct.home = await tempHome(`rp-content-${engine}-`);
    ct.work = await mkdtemp(join(tmpdir(), 'rp-content-sql-'));
    const start = await runCli(
      [
        'manage',
        'start',
        '--instance',
        instance,
        '--engine',
        engine,
        '--template',
        'testing',
        ...(engine === 'docker' ? ['--image', TEST_IMAGE] : []),
      ],
      { home: ct.home },
    );
    expect(start.stderr + start.stdout).toMatch(/accepting queries|running/);
    expect(start.code).toBe(0);
  });
  afterAll(async () => {
    await destroyHome(ct.home);
    await rm(ct.work, { recursive: true, force: true });
  });

  return ct;
}
