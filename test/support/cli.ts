import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The program under test: the bundled TypeScript entry, or RESOURCE_POSTGRES_TEST_BIN (the single executable). */
export const BIN = process.env.RESOURCE_POSTGRES_TEST_BIN ?? join(ROOT, 'bin', 'resource-postgres');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/**
 * Every CLI run of the tests has spares off (a background initdb or container after each of
 * ~1400 creates would swamp a 2-core CI machine); the spare suites pass RESOURCE_POSTGRES_SPARES=on.
 */
export const SPARES_OFF = { RESOURCE_POSTGRES_SPARES: 'off' };

/** Runs the real CLI in a child process with its own home; never throws on a non-zero exit. */
export function runCli(args: string[], opts: CliOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const [command, argv] = process.env.RESOURCE_POSTGRES_TEST_BIN ? [BIN, args] : [process.execPath, [BIN, ...args]];
    const child = spawn(command, argv, {
      // Spares off unless a test opts in (env RESOURCE_POSTGRES_SPARES=on): see SPARES_OFF.
      env: { ...process.env, RESOURCE_POSTGRES_HOME: opts.home, NO_COLOR: '1', ...SPARES_OFF, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A temp home that the caller removes (with `manage uninstall --force` first). */
export async function tempHome(prefix = 'rp-e2e-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes every instance of the home through the CLI, then the home itself. */
export async function destroyHome(home: string): Promise<void> {
  await runCli(['manage', 'uninstall', '--force'], { home }).catch(() => undefined);
  await rm(home, { recursive: true, force: true });
}

export const TEST_IMAGE = process.env.RESOURCE_POSTGRES_TEST_IMAGE ?? 'resource-postgres-test:17';

/**
 * Is the Docker engine usable for tests? In CI it must be: a missing daemon or image is a
 * failure there, never a skip. Elsewhere the docker suites skip and say why.
 */
export async function dockerAvailability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const run = (args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile('docker', args, { timeout: 10_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
      );
    });
  const info = await run(['info', '--format', '{{.ServerVersion}}']);
  if (info.code !== 0)
    return { ok: false, reason: `no Docker daemon answers (docker info: ${info.out.trim().split('\n')[0]})` };
  const image = await run(['image', 'inspect', TEST_IMAGE]);
  if (image.code !== 0)
    return { ok: false, reason: `test image ${TEST_IMAGE} is missing (build it: bash test/image/build.sh)` };
  return { ok: true };
}

/** Engines the lifecycle suites run on; in CI both are mandatory. */
export async function enginesUnderTest(): Promise<Array<'docker' | 'native'>> {
  const docker = await dockerAvailability();
  if (!docker.ok) {
    if (process.env.CI) throw new Error(`CI requires the Docker suites to run, but ${docker.reason}`);
    console.warn(`skipping the docker engine suites: ${docker.reason}`);
    return ['native'];
  }
  return ['docker', 'native'];
}
