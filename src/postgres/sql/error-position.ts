/**
 * Turns the server's error `position` (1-based, counted in characters of the statement as
 * sent) into a line of the script and a psql-style excerpt with a caret under the spot.
 */
export interface ErrorSpot {
  /** 1-based line in the script. */
  line: number;
  /** 1-based column within that line. */
  column: number;
  /** `LINE n: text` and the caret line, the line cut to a readable window. */
  excerpt: string[];
}

const WINDOW = 70;

export function locatePosition(statement: string, position: number, startLine: number): ErrorSpot | undefined {
  if (!Number.isInteger(position) || position < 1) return undefined;
  // Walk code points: the server counts characters, JavaScript counts UTF-16 units.
  let offset = 0;
  let seen = 0;
  for (const ch of statement) {
    if (++seen === position) break;
    offset += ch.length;
  }
  if (seen < position) offset = statement.length;
  const lineStart = statement.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = statement.indexOf('\n', offset);
  if (lineEnd === -1) lineEnd = statement.length;
  const linesBefore = countLines(statement, lineStart);
  const line = startLine + linesBefore;
  const text = statement.slice(lineStart, lineEnd).replace(/\r$/, '').replace(/\t/g, ' ');
  const column = [...statement.slice(lineStart, offset)].length + 1;
  // Long lines (a 1 MB INSERT) show a window around the spot.
  const from = Math.max(0, column - 1 - Math.floor(WINDOW / 2));
  const chars = [...text];
  const cut = chars.slice(from, from + WINDOW).join('');
  const shown = `${from > 0 ? '...' : ''}${cut}${from + WINDOW < chars.length ? '...' : ''}`;
  const prefix = `LINE ${line}: `;
  const caretAt = prefix.length + (from > 0 ? 3 : 0) + (column - 1 - from);
  return { line, column, excerpt: [`${prefix}${shown}`, `${' '.repeat(caretAt)}^`] };
}

function countLines(s: string, end: number): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < end; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
