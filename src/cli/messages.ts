/** The token the user typed for an option yargs names bare ("bogus", "suchFlag" -> "--no-such-flag"). */
function spelled(name: string, argv: readonly string[]): string {
  const kebab = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const token = argv.find((a) => {
    const m = /^--?(?:no-)?([^=]+)/.exec(a);
    return m !== null && (m[1] === name || m[1] === kebab);
  });
  return token ? token.split('=')[0]! : name;
}

/** yargs says "Unknown argument: x"; name the input as typed and what to do about it. */
export function translateYargsMessage(msg: string, argv: readonly string[] = []): string {
  const unknownArg = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknownArg)
    return `unknown option or argument: ${[...new Set(unknownArg[1]!.split(', ').map((n) => spelled(n, argv)))].join(', ')}`;
  // "Invalid values:\n  Argument: engine, Given: "foo", Choices: "docker", ..." (one line for people)
  const invalid = /^Invalid values:\s*Argument: ([^,]+), Given: (".*?"), Choices: (.*)$/s.exec(msg);
  if (invalid) {
    const [, name, given, choices] = invalid as unknown as [string, string, string, string];
    const flag = argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)) ? `--${name}` : name;
    const list = choices.replace(/"/g, '').trim();
    return given === '""' ? `${flag} needs a value: one of ${list}` : `invalid ${flag} ${given}: choose one of ${list}`;
  }
  const missing = /^Not enough arguments following: (.*)$/.exec(msg);
  if (missing) return `--${missing[1]} needs a value`;
  const unknownCmd = /^Unknown command: (.*)$/.exec(msg);
  if (unknownCmd) return `unknown command: ${unknownCmd[1]}`;
  return msg;
}
