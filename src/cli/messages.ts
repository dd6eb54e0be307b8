import { closest } from './suggest.js';

/** The token the user typed for an option yargs names bare ("bogus", "suchFlag" -> "--no-such-flag"). */
function spelled(name: string, argv: readonly string[]): string {
  const kebab = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const token = argv.find((a) => {
    const m = /^--?(?:no-)?([^=]+)/.exec(a);
    return m !== null && (m[1] === name || m[1] === kebab);
  });
  return token ? token.split('=')[0]! : name;
}

/** A translated yargs failure: the message names the input, the hint says what to do. */
export interface Translated {
  message: string;
  hint: string;
}

/** Where parsing stopped: the command words typed so far and the verbs available there. */
export interface Level {
  group: readonly string[];
  verbs: readonly string[];
}
const TOP: Level = { group: [], verbs: [] };

const SEE_HELP = 'see resource-postgres --help, or <command> --help';

/**
 * yargs says "Unknown argument: x"; name the input as typed and what to do about it.
 * `level`: where parsing failed (the group typed, e.g. ["manage"], and its verbs; or the top level).
 */
export function translateYargsMessage(msg: string, argv: readonly string[] = [], level: Level = TOP): Translated {
  const unknownArg = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknownArg)
    return {
      message: `unknown option or argument: ${[...new Set(unknownArg[1]!.split(', ').map((n) => spelled(n, argv)))].join(', ')}`,
      hint: SEE_HELP,
    };
  // "Invalid values:\n  Argument: engine, Given: "foo", Choices: "docker", ..." (one line for people)
  const invalid = /^Invalid values:\s*Argument: ([^,]+), Given: (".*?"), Choices: (.*)$/s.exec(msg);
  if (invalid) {
    const [, name, given, choices] = invalid as unknown as [string, string, string, string];
    const flag = argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)) ? `--${name}` : name;
    const list = choices.replace(/"/g, '').trim();
    if (given === '""') return { message: `${flag} needs a value: one of ${list}`, hint: SEE_HELP };
    const guess = closest(given.slice(1, -1), list.split(/,\s*/));
    return {
      message: `invalid ${flag} ${given}: choose one of ${list}`,
      hint: guess ? `did you mean ${guess}?` : SEE_HELP,
    };
  }
  const missing = /^Not enough arguments following: (.*)$/.exec(msg);
  if (missing) return { message: `--${missing[1]} needs a value`, hint: SEE_HELP };
  const unknownCmd = /^Unknown commands?: ([^,]*)/.exec(msg);
  if (unknownCmd) return unknownCommand(unknownCmd[1]!.trim(), level);
  return { message: msg, hint: SEE_HELP };
}

/** `manage frobnicate`: name it, list the group's verbs, suggest the closest one. */
function unknownCommand(word: string, { group, verbs }: Level): Translated {
  const path = group.join(' ');
  const where = ['resource-postgres', ...group].join(' ');
  const list = verbs.length ? `; ${path ? `${path} verbs` : 'commands'}: ${verbs.join(', ')}` : '';
  const guess = closest(word, verbs);
  return {
    message: `unknown command: ${path ? `${path} ` : ''}${word}${list}`,
    hint: guess ? `did you mean: ${where} ${guess}? (see ${where} --help)` : `see ${where} --help`,
  };
}
