/**
 * Character-level helpers of the SQL splitter. Each looks ahead from index i of a buffer
 * that may end mid-token; `undefined` means "cannot tell until more input arrives" (the
 * splitter then carries the rest over to the next chunk), unless `final` says none will.
 */
export const NL = 10,
  QUOTE = 39,
  DQUOTE = 34,
  DOLLAR = 36,
  BACKSLASH = 92,
  SEMI = 59,
  LPAREN = 40,
  RPAREN = 41,
  COLON = 58,
  AMP = 38,
  CR = 13;
const DASH = 45,
  SLASH = 47,
  STAR = 42,
  DOT = 46;

export const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xfeff;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
/** Words are identifiers, keywords and numbers; `$` continues one (a$b is an identifier). */
export const isWordStart = (c: number) => isLetter(c) || isDigit(c);
const isWordChar = (c: number) => isLetter(c) || isDigit(c) || c === DOLLAR;

export function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Index just past the word starting at i (may be b.length: the word may continue). */
export function wordEnd(b: string, i: number): number {
  let j = i + 1;
  while (j < b.length && isWordChar(b.charCodeAt(j))) j++;
  return j;
}

/** At `-` or `/`: a `--` or `/*` comment start? */
export function commentAt(b: string, i: number, final: boolean): 'line' | 'block' | null | undefined {
  const c = b.charCodeAt(i);
  if (c !== DASH && c !== SLASH) return null;
  if (i + 1 >= b.length) return final ? null : undefined;
  const d = b.charCodeAt(i + 1);
  if (c === DASH && d === DASH) return 'line';
  if (c === SLASH && d === STAR) return 'block';
  return null;
}

/** Inside a block comment at i: `*\/` closes (-1), `/*` nests (+1), else 0. */
export function blockCommentStep(b: string, i: number, final: boolean): -1 | 0 | 1 | undefined {
  const c = b.charCodeAt(i);
  if (c !== STAR && c !== SLASH) return 0;
  if (i + 1 >= b.length) return final ? 0 : undefined;
  const d = b.charCodeAt(i + 1);
  if (c === STAR && d === SLASH) return -1;
  if (c === SLASH && d === STAR) return 1;
  return 0;
}

/** At `$` outside a word: the `$tag$` opening a dollar quote, or null (`$1`, a lone `$`). */
export function dollarTagAt(b: string, i: number, final: boolean): string | null | undefined {
  let j = i + 1;
  while (j < b.length && j - i < 130 && (isLetter(b.charCodeAt(j)) || isDigit(b.charCodeAt(j)))) j++;
  if (j >= b.length) return final ? null : undefined;
  if (b.charCodeAt(j) !== DOLLAR || isDigit(b.charCodeAt(i + 1))) return null;
  return b.slice(i, j + 1);
}

/** At a line start in COPY data: the index after a `\.` line, -1 if it is not one. */
export function copyTerminatorAt(b: string, i: number, final: boolean): number | undefined {
  if (b.charCodeAt(i) !== BACKSLASH) return -1;
  const more = (k: number) => i + k < b.length;
  if (!more(1)) return final ? -1 : undefined;
  if (b.charCodeAt(i + 1) !== DOT) return -1;
  if (!more(2)) return final ? b.length : undefined;
  const c2 = b.charCodeAt(i + 2);
  if (c2 === NL) return i + 3;
  if (c2 !== CR) return -1;
  if (!more(3)) return final ? b.length : undefined;
  return b.charCodeAt(i + 3) === NL ? i + 4 : -1;
}

/** A psql variable reference in SQL: `:name` (its value, lexed again), `:'name'` (a literal), `:"name"` (an identifier). */
export interface VariableRef {
  name: string;
  quote: '' | "'" | '"';
  /** Index just past the reference. */
  end: number;
}

/** Longer names are not looked up: they are data (a long array slice), not a variable. */
const MAX_VARIABLE = 128;
const isVariableChar = (c: number) => isLetter(c) || isDigit(c);

/**
 * At `:` in SQL: a variable reference, `cast` for the `::` operator (whose second colon
 * must not start a reference), or null when it is neither (a lone colon, `:=`).
 */
export function variableAt(b: string, i: number, final: boolean): VariableRef | 'cast' | null | undefined {
  if (i + 1 >= b.length) return final ? null : undefined;
  const c1 = b.charCodeAt(i + 1);
  if (c1 === COLON) return 'cast';
  const quoted = c1 === QUOTE || c1 === DQUOTE;
  const from = quoted ? i + 2 : i + 1;
  let j = from;
  while (j < b.length && j - from < MAX_VARIABLE && isVariableChar(b.charCodeAt(j))) j++;
  if (j - from >= MAX_VARIABLE) return null;
  if (j >= b.length && !final) return undefined;
  if (j === from) return null;
  if (!quoted) return { name: b.slice(from, j), quote: '', end: j };
  if (j >= b.length || b.charCodeAt(j) !== c1) return null;
  return { name: b.slice(from, j), quote: c1 === QUOTE ? "'" : '"', end: j + 1 };
}
