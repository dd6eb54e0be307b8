/**
 * Help text wrapped at word boundaries. yargs' own wrapping cuts words in two ("remov" /
 * "e") whenever a line meets the width, so it is turned off and help is wrapped here:
 * a long line continues under its description column (after the first gap of two or more
 * spaces), and a word is never split; one longer than the room left stands on its own line.
 */
const MIN_ROOM = 24;

function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const column = /^(\s*\S.*?\s{2,})(?=\S)/.exec(line)?.[1] ?? /^\s*/.exec(line)![0];
  const indent = width - column.length >= MIN_ROOM ? column.length : /^\s*/.exec(line)![0].length;
  const out: string[] = [];
  let current = line.slice(0, indent);
  const pad = ' '.repeat(indent);
  for (const word of line.slice(indent).split(/ +/).filter(Boolean)) {
    const candidate = /\s$/.test(current) || current === '' ? `${current}${word}` : `${current} ${word}`;
    if (candidate.length <= width || current.trim() === '') current = candidate;
    else {
      out.push(current);
      current = `${pad}${word}`;
    }
  }
  out.push(current);
  return out;
}

export function wrapHelp(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width))
    .join('\n');
}

/** The terminal's width on a TTY (at most 120), else 120. */
export function helpWidth(stdout: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return Math.min(120, stdout.isTTY && stdout.columns ? stdout.columns : 120);
}
