import { escapeIdentifier, escapeLiteral } from './variables.js';

/** A psql meta-command line taken apart: `\set name 'a b'` -> name `set`, args [`name`, `a b`]. */
export interface MetaLine {
  name: string;
  /** The arguments' text, unparsed (after the name). */
  rest: string;
}

export function metaName(text: string): MetaLine {
  const m = /^\\([^\s\\]*|\\)/.exec(text);
  const name = m ? m[1]! : '';
  return { name, rest: text.slice(1 + name.length) };
}

export interface ArgOptions {
  /** An SQL-identifier argument (\connect's database): double quotes are removed, as psql's OT_SQLIDHACK does. */
  identifier?: boolean;
}

/** A backtick (a shell command in psql) in an argument: never run here. */
export class ShellArgumentError extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', b: '\b', r: '\r', f: '\f' };

/**
 * psql's argument rules: whitespace separates; 'single quotes' hold spaces, with '' and
 * backslash escapes (\n, \t, octal \NNN, hex \xHH); "double quotes" stay part of the text
 * (or are removed for an identifier); :name, :'name' and :"name" outside quotes are
 * replaced by a set variable's value (an unset one stays as written); `\\` ends the
 * arguments.
 */
export function parseArgs(rest: string, vars: (name: string) => string | undefined, opts: ArgOptions = {}): string[] {
  const args: string[] = [];
  let i = 0;
  const n = rest.length;
  for (;;) {
    while (i < n && /\s/.test(rest[i]!)) i++;
    if (i >= n || rest.startsWith('\\\\', i)) return args;
    let arg = '';
    while (i < n && !/\s/.test(rest[i]!)) {
      const c = rest[i]!;
      if (c === "'") {
        const [text, end] = singleQuoted(rest, i + 1);
        arg += text;
        i = end;
      } else if (c === '"') {
        let j = i + 1;
        let text = '';
        while (j < n && !(rest[j] === '"' && rest[j + 1] !== '"')) {
          text += rest[j];
          j += rest[j] === '"' ? 2 : 1;
        }
        arg += opts.identifier ? text : `"${rest.slice(i + 1, j)}"`;
        i = j + 1;
      } else if (c === '`') {
        throw new ShellArgumentError('backtick');
      } else if (c === ':') {
        const m = /^:(?:'([\p{L}\p{N}_]+)'|"([\p{L}\p{N}_]+)"|([\p{L}\p{N}_]+))/u.exec(rest.slice(i));
        const value = m ? vars(m[1] ?? m[2] ?? m[3]!) : undefined;
        if (m && value !== undefined) {
          arg += m[1] ? escapeLiteral(value).trimStart() : m[2] ? escapeIdentifier(value) : value;
          i += m[0].length;
        } else {
          arg += c;
          i++;
        }
      } else {
        arg += c;
        i++;
      }
    }
    args.push(arg);
  }
}

/** From just after an opening quote: the text up to the closing one, and the index after it. */
function singleQuoted(s: string, from: number): [string, number] {
  let text = '';
  let i = from;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "'") {
      if (s[i + 1] !== "'") return [text, i + 1];
      text += "'";
      i += 2;
    } else if (c === '\\' && i + 1 < s.length) {
      const e = s[i + 1]!;
      const octal = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4));
      const hex = /^x([0-9a-fA-F]{1,2})/.exec(s.slice(i + 1, i + 4));
      if (octal) {
        text += String.fromCharCode(parseInt(octal[0], 8));
        i += 1 + octal[0].length;
      } else if (hex) {
        text += String.fromCharCode(parseInt(hex[1]!, 16));
        i += 1 + hex[0].length;
      } else {
        text += SIMPLE_ESCAPES[e] ?? e;
        i += 2;
      }
    } else {
      text += c;
      i++;
    }
  }
  return [text, i]; // unterminated: psql takes the rest of the line
}
