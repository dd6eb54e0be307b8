import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { RELOCATION_ROOT, pathHash } from '../../src/engines/native/layout.js';
import { BIN, type CliRun, destroyHome, runCli, TEST_IMAGE } from './cli.js';

/** Shared tools of the reliability suites: run and kill the real CLI, snapshot what it owns. */

export type EngineName = 'docker' | 'native';

/** Flags that create an instance on `engine` (docker needs the offline test image). */
export const engineArgs = (engine: EngineName): string[] => [
  '--engine',
  engine,
  ...(engine === 'docker' ? ['--image', TEST_IMAGE] : []),
];

/** The CLI as a child we can SIGKILL mid-way; `done` resolves like runCli. */
export function spawnCli(
  args: string[],
  home: string,
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const [command, argv] = process.env.RESOURCE_POSTGRES_TEST_BIN ? [BIN, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(command, argv, {
    env: { ...process.env, RESOURCE_POSTGRES_HOME: home, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
  return { child, done };
}

export function run(
  file: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out: stdout.trim(), err: stderr.trim() }),
    );
  });
}

export async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.err}`);
  return r.out;
}

/** This home's containers ("name state") and volumes, found by label like the CLI does. */
export async function dockerObjects(home: string): Promise<{ containers: string[]; volumes: string[] }> {
  const label = `label=io.resource-postgres.home=${home}`;
  const containers = (await docker('ps', '-a', '--filter', label, '--format', '{{.Names}} {{.State}}'))
    .split('\n')
    .filter(Boolean)
    .sort();
  const volumes = (await docker('volume', 'ls', '-q', '--filter', label)).split('\n').filter(Boolean).sort();
  return { containers, volumes };
}

/** Where the native engine puts data for a home root cannot traverse (every mkdtemp home). */
export const relocationBase = (home: string): string => join(RELOCATION_ROOT, pathHash(home));

/**
 * The home as a comparable list: path, type, mode, and content hash of files. The contents
 * of server-owned directories (data, logs, run) change while servers run, so only their
 * existence counts.
 */
export async function snapshotHome(home: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
      // Lock files exist only while some command runs (a concurrent case may hold one): not state.
      if (dir === home && /^\.lock(-.+)?$/.test(name)) continue;
      const path = join(dir, name);
      const st = await lstat(path);
      const rel = relative(home, path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(path)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ ${mode}`);
        if (!['data', 'logs', 'run'].includes(name)) await walk(path);
      } else
        out.push(
          `${rel} ${mode} ${createHash('sha1')
            .update(await readFile(path))
            .digest('hex')
            .slice(0, 12)}`,
        );
    }
  }
  await walk(home);
  return out;
}

/** Everything a command could have changed: the home tree, the relocated data dirs, docker objects. */
export async function worldState(home: string, withDocker: boolean): Promise<string> {
  const relocated = (await readdir(relocationBase(home)).catch(() => [] as string[])).sort();
  const objects = withDocker ? await dockerObjects(home) : {};
  return JSON.stringify({ home: await snapshotHome(home), relocated, objects }, null, 1);
}

const TALK = [
  /^creating instance /,
  /^docker: /,
  /^port \d+ turned out to be taken/,
  /^warning: /,
  // A create cut short before the instance's database was made: the next start makes it and says so.
  /^instance \S+ had no database \S+; made it \(empty\)$/,
];

/**
 * Raw leaks in stderr: stack frames, internal errors, and any line that is neither our talk
 * nor part of an `error:` block (message, evidence, hint). Empty when stderr is clean.
 */
export function rawLines(stderr: string): string[] {
  const bad: string[] = [];
  let inError = false;
  for (const line of stderr.split('\n')) {
    if (line === '') continue;
    if (/^\s+at .+:\d+:\d+\)?$/.test(line) || /internal error|Unhandled|uncaught/i.test(line)) bad.push(line);
    else if (line.startsWith('error: ')) inError = true;
    else if (line.startsWith('hint: ')) inError = false;
    else if (!inError && !TALK.some((re) => re.test(line))) bad.push(line);
  }
  return bad;
}

/** A refused input: non-zero exit, one `error:` line that mentions it, no stack, no raw lines. */
export function expectRefused(r: CliRun, mention: string | RegExp): void {
  const all = `${r.stdout}\n${r.stderr}`;
  expect(r.code, all).not.toBe(0);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors, all).toHaveLength(1);
  if (typeof mention === 'string') expect(errors[0]).toContain(mention);
  else expect(errors[0]).toMatch(mention);
  expect(rawLines(r.stderr), all).toEqual([]);
}

/** A port in the range that nothing listens on and no container publishes, starting at `from`. */
export async function freePort(from = 5470, avoid: number[] = []): Promise<number> {
  const published = await docker('ps', '-a', '--format', '{{.Ports}}').catch(() => '');
  for (let port = from; port <= 5499; port++) {
    if (avoid.includes(port) || published.includes(`:${port}->`)) continue;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${from}-5499`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer().once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** `credentials --format env --show-secrets` as a map (values are sh single-quoted). */
export async function credentials(home: string, name: string): Promise<Record<string, string>> {
  const r = await runCli(['credentials', '--instance', name, '--format', 'env', '--show-secrets'], { home });
  const env: Record<string, string> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const m = /^([A-Z_]+)='(.*)'$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/'\\''/g, "'");
  }
  return env;
}

export async function psql(url: string, sql: string): Promise<{ code: number; out: string }> {
  const r = await run('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, url], 20_000);
  return { code: r.code, out: `${r.out}${r.err ? `\n${r.err}` : ''}`.trim() };
}

export async function statusJson(home: string, ...extra: string[]): Promise<{ code: number; doc: any; raw: string }> {
  const r = await runCli(['status', '--json', ...extra], { home });
  return { code: r.code, doc: JSON.parse(r.stdout), raw: r.stdout + r.stderr };
}

/** Processes whose command line mentions any of `needles`: pid and argv. */
export async function processesMentioning(...needles: string[]): Promise<Array<{ pid: number; args: string }>> {
  const found: Array<{ pid: number; args: string }> = [];
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim();
    if (args && needles.some((n) => args.includes(n))) found.push({ pid: Number(pid), args });
  }
  return found;
}

/**
 * Removes whatever a test left, even when the CLI cannot: uninstall through the CLI, then
 * this home's containers and volumes by label, postmasters under its directories, and the
 * relocated data.
 */
export async function forceCleanup(home: string): Promise<void> {
  await destroyHome(home).catch(() => undefined);
  const label = `label=io.resource-postgres.home=${home}`;
  const ids = (await run('docker', ['ps', '-aq', '--filter', label])).out.split('\n').filter(Boolean);
  if (ids.length) await run('docker', ['rm', '-f', '-v', ...ids]);
  const vols = (await run('docker', ['volume', 'ls', '-q', '--filter', label])).out.split('\n').filter(Boolean);
  if (vols.length) await run('docker', ['volume', 'rm', '-f', ...vols]);
  for (const p of await processesMentioning(`-D ${home}/`, `-D ${relocationBase(home)}/`)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await rm(relocationBase(home), { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
}

/** The postmaster pid of a native instance, from its postmaster.pid. */
export async function nativePid(home: string, name: string): Promise<number> {
  const conf = await readFile(join(home, name, 'config', 'instance.conf'), 'utf8');
  const dataDir = /^data_dir="(.*)"$/m.exec(conf)?.[1] ?? join(home, name, 'data');
  return Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}
