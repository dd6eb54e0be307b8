import type { Argv } from 'yargs';
import type { Level } from './messages.js';

/**
 * Where a yargs parse failed: the command words it had entered ("manage") and the verbs
 * registered there. yargs 17 hands its usage object to `.fail` as the third argument and
 * keeps the command context on the instance; neither is in its typings, so both are read
 * defensively here, in one place: if a yargs upgrade moves them, messages lose the verb
 * list and the suggestion, never the error itself.
 */
type UsageLike = { getCommands?: () => Array<[string, string | false, ...unknown[]]> };
type ProgramLike = { getInternalMethods?: () => { getContext?: () => { commands?: string[] } } };

export function failureLevel(program: Argv, usage: unknown): Level {
  try {
    const group = (program as unknown as ProgramLike).getInternalMethods?.().getContext?.().commands ?? [];
    const commands = (usage as UsageLike | undefined)?.getCommands?.() ?? [];
    const verbs = commands
      .filter(([, describe]) => describe !== false) // hidden commands are not advertised
      .map(([command]) => command.split(' ')[0]!)
      .filter((name) => name && name !== '$0');
    return { group: [...group], verbs: [...new Set(verbs)] };
  } catch {
    return { group: [], verbs: [] };
  }
}
