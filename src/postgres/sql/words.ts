/**
 * What the splitter learns from the bare words of one statement: whether it is a
 * CREATE FUNCTION/PROCEDURE whose BEGIN ATOMIC ... END body may contain semicolons
 * (the same heuristic psql's lexer uses), and whether it is COPY ... FROM STDIN / TO STDOUT,
 * which changes what follows it in the script.
 */
export interface WordState {
  count: number;
  /** Initials of the first four words when they are create/or/replace/function/procedure. */
  initials: string[];
  beginDepth: number;
  first: string;
  prev: string;
  copy?: 'in' | 'out';
}

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
 * Records one word (identifier, keyword or number; '' for one too long to matter) and
 * returns true when it is a lone E, so a quote right after it starts an E'' string.
 */
export function classifyWord(s: WordState, word: string, parenDepth: number): boolean {
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
    if (s.first === 'copy') {
      if (s.prev === 'from' && lower === 'stdin') s.copy = 'in';
      else if (s.prev === 'to' && lower === 'stdout') s.copy = 'out';
    }
  }
  s.prev = lower;
  return word === 'e' || word === 'E';
}
