import { spawnSync } from 'node:child_process';

/**
 * The compose command of this machine: the plugin (`docker compose`), else Debian bookworm's
 * docker-compose v1, which .ci/run installs. Both validate a file (`config`) against their
 * compose schema, rejecting unknown keys, and run it.
 */
export function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  return undefined;
}

export function runCompose(
  cmd: string[],
  args: string[],
  opts: { cwd?: string; input?: Buffer | string } = {},
): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(cmd[0]!, [...cmd.slice(1), ...args], { encoding: 'utf8', ...opts, timeout: 120_000 });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}
