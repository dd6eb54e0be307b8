import { ENV } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { ClientIo, ClientProgram, ClientResult, ClientToolsCheck, ImageClientRunner } from '../engine.js';
import { DEFAULT_SEARCH, findClientDir, type ClientSearch } from './client-tools.js';
import { hostClientEnv, runHostClient } from './host-client-run.js';
import { withHostPassfile } from './host-passfile.js';

/** Where an instance's client programs come from: a host directory, or a local docker image. */
type Source = { check: ClientToolsCheck } & ({ dir: string } | { image: string; runner: ImageClientRunner } | object);

/**
 * The native engine's client programs: the host's (client-tools.ts) when it has suitable ones;
 * else, when a Docker daemon answers and a local image carries a suitable pg_dump, that image's,
 * run with --network host against the native server (the runner comes from the docker engine
 * through the context); else an error that says what to install. Resolved once per instance
 * and server major in a process: a backup runs several programs and each lookup costs a
 * `pg_dump --version` (or a container).
 */
export class NativeClients {
  readonly #memo = new Map<string, Promise<Source>>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly images?: () => Promise<ImageClientRunner | undefined>,
    private readonly search: ClientSearch = DEFAULT_SEARCH,
  ) {}

  async check(instance: Instance, serverMajor: number): Promise<ClientToolsCheck> {
    return (await this.#source(instance, serverMajor)).check;
  }

  async run(instance: Instance, program: ClientProgram, args: string[], io: ClientIo): Promise<ClientResult> {
    const source = await this.#source(instance, Number(instance.version ?? 0));
    if ('dir' in source) return runHostClient(source.dir, instance, program, args, io);
    if ('image' in source) {
      const { image, runner } = source;
      return withHostPassfile(instance, (passfile) =>
        runner.run(image, program, args, {
          ...io,
          env: hostClientEnv(instance, passfile, io.env),
          files: [passfile, ...(instance.tls && instance.tlsCa ? [instance.tlsCa] : [])],
        }),
      );
    }
    const why = source.check.ok ? 'no client programs' : source.check.reason;
    throw new CliError('engine', `cannot run ${program} for instance ${instance.name}: ${why}`, {
      hint: source.check.ok ? undefined : source.check.hint,
    });
  }

  #source(instance: Instance, serverMajor: number): Promise<Source> {
    const key = `${instance.pgBin ?? ''}\0${serverMajor}`;
    let found = this.#memo.get(key);
    if (!found) {
      found = this.#resolve(instance, serverMajor);
      this.#memo.set(key, found);
    }
    return found;
  }

  async #resolve(instance: Instance, serverMajor: number): Promise<Source> {
    const host = await findClientDir(instance, serverMajor, this.env, this.search);
    if (host.ok) return host.dir ? { check: strip(host), dir: host.dir } : { check: strip(host) };
    const runner = await this.images?.().catch(() => undefined);
    if (!runner) return { check: host };
    const preferred = [this.env[ENV.image], instance.image].filter((i): i is string => Boolean(i));
    const found = await runner.find(serverMajor, preferred);
    if (found.ok && found.image) return { check: strip(found), image: found.image, runner };
    const why = found.ok ? 'the image check named no image' : found.reason;
    return { check: { ok: false, reason: `${host.reason}; ${why}`, hint: host.hint } };
  }
}

/** The check as reported (no internal fields). */
function strip(check: ClientToolsCheck & { dir?: string; image?: string }): ClientToolsCheck {
  const { dir: _dir, image: _image, ...rest } = check;
  return rest as ClientToolsCheck;
}
