import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { BIN } from './cli.js';

/** `resource-postgres ui` as a subprocess for the console suite, and raw HTTP to it (any Host header). */
export const CHROMIUM = process.env.RESOURCE_POSTGRES_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

export interface UiProcess {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  /** Resolves with the exit code (128 + signal number when killed by one). */
  exited: Promise<number>;
  stderr(): string;
}

/** Starts the console on a free port and waits for the URL it prints on stdout. */
export function startUi(home: string, args: string[] = []): Promise<UiProcess> {
  const [command, argv] = process.env.RESOURCE_POSTGRES_TEST_BIN ? [BIN, []] : [process.execPath, [BIN]];
  const child = spawn(command, [...argv, 'ui', ...args], {
    env: { ...process.env, RESOURCE_POSTGRES_HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 128))),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ui printed no URL in 30 s; stderr: ${stderr}`));
    }, 30_000);
    void exited.then((code) => reject(new Error(`ui exited (${code}) before printing a URL: ${stderr}`)));
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /^(http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))\n/.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, url: m[1]!, port: Number(m[2]), token: m[3]!, exited, stderr: () => stderr });
    });
  });
}

/** GET, or POST with a JSON body, with exactly the headers given (fetch would not let us set Host). */
export function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  const method = body === undefined ? 'GET' : 'POST';
  const all = body === undefined ? headers : { 'Content-Type': 'application/json', ...headers };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: all }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
