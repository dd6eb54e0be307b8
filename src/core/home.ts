import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from './defaults.js';

/** The folder the running program lives in (a checkout's dist/ or src/); the checkout is found above it. */
export function programDir(): string | undefined {
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined;
  }
}

export type HomeSource = '--home' | typeof ENV.home | 'checkout' | 'xdg';

export interface Home {
  dir: string;
  source: HomeSource;
}

/**
 * Where instances live: --home, then RESOURCE_POSTGRES_HOME, then the instances/ folder of
 * the checkout the program runs from, then $XDG_DATA_HOME/resource-postgres.
 */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv, programDir: string | undefined): Home {
  if (flag) return { dir: resolve(flag), source: '--home' };
  const fromEnv = env[ENV.home];
  if (fromEnv) return { dir: resolve(fromEnv), source: ENV.home };
  const checkout = programDir ? findCheckout(programDir) : undefined;
  if (checkout) return { dir: join(checkout, 'instances'), source: 'checkout' };
  const xdg = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return { dir: join(xdg, 'resource-postgres'), source: 'xdg' };
}

/** The nearest ancestor holding resource.yaml and instances/: a checkout of this project. */
export function findCheckout(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'resource.yaml')) && existsSync(join(dir, 'instances'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
