import { access, constants, realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, join } from 'node:path';
import { CliError } from '../../core/errors.js';
import { rootTrustPolicy, untrustedBinDirReasons } from './trusted-bin-dir.js';

/**
 * The npm to run: the one beside the node running us (it belongs to this node), else the
 * first on PATH, by its real path. Undefined when there is none.
 */
export async function findNpm(
  env: NodeJS.ProcessEnv = process.env,
  nodeDir: string = dirname(process.execPath),
): Promise<string | undefined> {
  for (const dir of [nodeDir, ...(env.PATH ?? '').split(delimiter).filter(Boolean)]) {
    const npm = join(dir, 'npm');
    if (
      await access(npm, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return realpath(npm).catch(() => npm);
  }
  return undefined;
}

/** Can a runtime be installed here at all? (The single executable has no npm of its own.) */
export async function npmOnPath(env: NodeJS.ProcessEnv = process.env, nodeDir?: string): Promise<boolean> {
  return (await findNpm(env, nodeDir)) !== undefined;
}

/** As root we run npm: whoever can change it or its directory would run their code as root. */
export async function assertTrustedNpm(npm: string, major: string, env: NodeJS.ProcessEnv): Promise<void> {
  const policy = rootTrustPolicy(env);
  if (!policy) return;
  const reasons = await untrustedBinDirReasons(dirname(npm), [basename(npm)], policy);
  if (reasons.length > 0)
    throw new CliError('refused', `refusing to run npm from ${dirname(npm)} as root: ${reasons.join('; ')}`, {
      hint:
        `only root may be able to change it: chown root and chmod go-w each path named, or put a root-owned npm first on PATH; ` +
        `or use PostgreSQL ${major} binaries you have: --pg-bin DIR (e.g. /usr/lib/postgresql/${major}/bin)`,
    });
}
