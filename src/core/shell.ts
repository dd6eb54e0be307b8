/**
 * sh quoting for what we print for people and scripts to run or eval: env lines,
 * suggested commands, failed command lines in errors.
 */

/** Always single-quoted: 'it'\''s'. For eval-able output, where a bare word must stay bare text. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quoted only when sh would split or expand it: readable suggested commands. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : shellQuote(value);
}
