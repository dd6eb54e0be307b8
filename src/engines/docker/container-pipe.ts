import type Dockerode from 'dockerode';
import type { Instance } from '../../core/instance.js';
import type { ClientPipeEnd, ClientResult } from '../engine.js';
import { clientEnv } from './container-clients.js';
import { execInContainer } from './container-exec.js';
import { withContainerPassfile } from './container-passfile.js';

/**
 * `from | to` as one shell pipeline inside the container (manage upgrade: pg_dump | pg_restore),
 * so the data crosses a pipe in the container instead of the daemon's API twice. Arguments are
 * written into the script, so only a plain character set is accepted; every other value
 * (database names, hosts) reaches the programs through the exec's environment, never the
 * script text. The shell reports the first program's exit status on stderr for us to read.
 */
const PLAIN_ARG = /^[A-Za-z0-9_=.:/-]*$/;
const ENV_NAME = /^PG[A-Z]+$/;
const FROM_STATUS = 'rp-pipe-from-exit=';

/** The script and the exec environment for one pipeline; pure. */
export function pipeScript(from: ClientPipeEnd, to: ClientPipeEnd): { script: string; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const side = (tag: string, end: ClientPipeEnd) => {
    for (const a of end.args)
      if (!PLAIN_ARG.test(a)) throw new Error(`not a plain argument for a container pipe: ${a}`);
    const assignments = Object.entries(end.env ?? {}).map(([k, v]) => {
      if (!ENV_NAME.test(k)) throw new Error(`not a libpq variable: ${k}`);
      env[`RP_${tag}_${k}`] = v;
      return `${k}="$RP_${tag}_${k}"`;
    });
    return [...assignments, end.program, ...end.args].join(' ');
  };
  const first = side('A', from);
  const second = side('B', to);
  const script = [
    'st=$(mktemp) || exit 90',
    `{ ${first} 2>"$st.err"; echo $? >"$st"; } | ${second}`,
    'r=$?',
    `cat "$st.err" >&2; echo "${FROM_STATUS}$(cat "$st")" >&2; rm -f "$st" "$st.err"`,
    'exit $r',
  ].join('\n');
  return { script, env };
}

/** The first program's status, from the line the script ends stderr with; -1 if it never said. */
export function fromStatus(stderr: string): { exitCode: number; stderr: string } {
  const at = stderr.lastIndexOf(FROM_STATUS);
  if (at < 0) return { exitCode: -1, stderr };
  const code = Number.parseInt(stderr.slice(at + FROM_STATUS.length), 10);
  return { exitCode: Number.isNaN(code) ? -1 : code, stderr: stderr.slice(0, at) };
}

export async function pipeInContainer(
  container: Dockerode.Container,
  instance: Instance,
  from: ClientPipeEnd,
  to: ClientPipeEnd,
  signal?: AbortSignal,
): Promise<{ from: ClientResult; to: ClientResult }> {
  const { script, env } = pipeScript(from, to);
  const res = await withContainerPassfile(container, instance, (passfile) =>
    execInContainer(container, { cmd: ['sh', '-c', script], env: clientEnv(instance, passfile, env), signal }),
  );
  const first = fromStatus(res.stderr);
  return { from: first, to: { exitCode: res.exitCode, stderr: first.stderr } };
}
