/**
 * SIGINT and SIGTERM during a command. The first one aborts the command's signal (commands
 * that watch it stop at their next safe point and clean up: a backup removes its partial
 * files, SQL cancels the running statement) and gives it GRACE_MS to end; then, or at a
 * second signal, the process ends anyway. Ending is safe at any point: instance.conf is
 * written by rename, locks are the kernel's and go with the process, and a create cut short
 * is finished by the next start. The exit code is 128 + the signal's number, as a shell
 * reports it: 130 for SIGINT, 143 for SIGTERM.
 */
const CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Watched = keyof typeof CODES;

export const GRACE_MS = 5_000;

export interface SignalWatch {
  /** Resolves with the exit code once a signal says to stop waiting for the command. */
  readonly expired: Promise<number>;
  /** The exit code of the first signal received, if any. */
  received(): number | undefined;
  dispose(): void;
}

export function watchSignals(controller: AbortController, say: (message: string) => void): SignalWatch {
  let code: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let expire: (code: number) => void = () => {};
  const expired = new Promise<number>((resolve) => (expire = resolve));
  const on = (signal: Watched) => () => {
    if (code !== undefined) return expire(code); // a second signal: stop waiting
    code = CODES[signal];
    say(`${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: stopping (again to stop at once)`);
    controller.abort(new Error(signal));
    timer = setTimeout(() => expire(code!), GRACE_MS);
    timer.unref();
  };
  const handlers = { SIGINT: on('SIGINT'), SIGTERM: on('SIGTERM') };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  return {
    expired,
    received: () => code,
    dispose() {
      if (timer) clearTimeout(timer);
      for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
    },
  };
}
