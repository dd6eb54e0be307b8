/**
 * What the splitter learns from the bare words of one statement: whether it is a
 * CREATE FUNCTION/PROCEDURE whose BEGIN ATOMIC ... END body may contain semicolons
 * (the same heuristic psql's lexer uses), how a quote right after a word is read (E'',
 * B'', X'', U&''), and how a COPY is spelled. The spelling is only a hint: whether COPY
 * data follows is decided by the server's answer (CopyInResponse), never by these words.
 */
export interface WordState {
  count: number;
  /** Initials of the first four words when they are create/or/replace/function/procedure. */
  initials: string[];
  beginDepth: number;
  first: string;
  prev: string;
  /** COPY ... FROM STDIN|STDOUT ('in') or TO STDOUT|STDIN ('out'), as spelled. */
  copy?: 'in' | 'out';
}

/**
 * How a quote right after a word is read: `e` an escape string (backslashes escape),
 * `raw` a bit string (B'', X'': never escapes), `u` the U of U& (a `&` then makes the next
 * quote raw), null a plain string (escapes only when standard_conforming_strings is off).
 */
export type QuotePrefix = 'e' | 'raw' | 'u' | null;

export function newWordState(): WordState {
  return { count: 0, initials: [], beginDepth: 0, first: '', prev: '' };
}

const HEAD_WORDS = new Set(['create', 'or', 'replace', 'function', 'procedure']);

function inRoutineHeader(i: string[]): boolean {
  return (
    i[0] === 'c' && (i[1] === 'f' || i[1] === 'p' || (i[1] === 'o' && i[2] === 'r' && (i[3] === 'f' || i[3] === 'p')))
  );
}

/**
 * Whether the next word can still change anything but how a quote right after it is read:
 * one of the first four (a routine header), inside a routine header's statement (BEGIN
 * ATOMIC ... END), or in a COPY (FROM STDIN). Past that the splitter skips a word of two
 * or more characters without cutting it out of the text: on a script of INSERTs, most words.
 */
export function wordsMatter(s: WordState): boolean {
  return s.count < 4 || s.first === 'copy' || inRoutineHeader(s.initials);
}

/** The server takes STDIN and STDOUT on either side of a COPY (COPY t FROM STDOUT reads from the client). */
const CLIENT_ENDS = new Set(['stdin', 'stdout']);

/**
 * Records one word (identifier, keyword or number; '' for one too long to matter) and
 * returns how a quote directly after it is read.
 */
export function classifyWord(s: WordState, word: string, parenDepth: number): QuotePrefix {
  // Keywords are short; lower-casing a long literal would only cost time.
  const lower = word.length <= 16 ? word.toLowerCase() : '';
  if (s.count < 4) s.initials[s.count] = HEAD_WORDS.has(lower) ? lower[0]! : '';
  if (s.count === 0) s.first = lower;
  s.count++;
  if (parenDepth === 0) {
    if (inRoutineHeader(s.initials)) {
      if (lower === 'begin') s.beginDepth++;
      else if (lower === 'case' && s.beginDepth > 0) s.beginDepth++;
      else if (lower === 'end' && s.beginDepth > 0) s.beginDepth--;
    }
    if (s.first === 'copy' && CLIENT_ENDS.has(lower)) {
      if (s.prev === 'from') s.copy = 'in';
      else if (s.prev === 'to') s.copy = 'out';
    }
  }
  s.prev = lower;
  if (word.length !== 1) return null;
  if (lower === 'e') return 'e';
  if (lower === 'b' || lower === 'x') return 'raw';
  return lower === 'u' ? 'u' : null;
}
