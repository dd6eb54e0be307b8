import type { Argv } from 'yargs';

/** The flag the bash script from `resource-postgres completion` calls back with. */
export const COMPLETION_REQUEST = '--get-yargs-completions';

type CompletionFn = Parameters<Argv['completion']>[2];
type Defaults = (onCompleted?: (err: Error | null, completions: string[] | undefined) => void) => unknown;

/**
 * yargs answers a completion request asynchronously, after parse's callback has fired and
 * outside our io (straight to console.log). This hands yargs a completion function that
 * runs its default completion and captures the list, so main() prints it like any output.
 */
export function captureCompletions(waitMs = 2_000): { complete: CompletionFn; list: () => Promise<string[]> } {
  let settle: (list: string[]) => void = () => {};
  const captured = new Promise<string[]>((resolve) => {
    settle = resolve;
  });
  // Four parameters make it a "fallback" function to yargs: it is handed the default completion.
  const complete = ((_current: string, _argv: unknown, defaults: Defaults, _done: unknown) => {
    defaults((_err, completions) => settle(completions ?? []));
  }) as CompletionFn;
  // Never hang a shell's tab key: after waitMs, no completions.
  const list = () =>
    Promise.race([captured, new Promise<string[]>((resolve) => setTimeout(resolve, waitMs, []).unref())]);
  return { complete, list };
}
