import { isAbsolute, resolve } from 'node:path';
import { CliError } from '../../core/errors.js';
import { metaName, parseArgs, ShellArgumentError } from './meta-args.js';
import { parseBool, type Variables } from './variables.js';

/** What a supported meta-command asks the runner to do; \set, \unset, \restrict and \unrestrict are done here. */
export type MetaAction =
  | { kind: 'none' }
  | { kind: 'echo'; text: string }
  | { kind: 'connect'; database?: string }
  | { kind: 'include'; path: string }
  | { kind: 'encoding'; name?: string };

export interface MetaState {
  vars: Variables;
  /** \restrict's key while restricted: only \unrestrict with it is allowed (pg_dump's guard against injected meta-commands). */
  restricted?: string;
}

export interface MetaWhere {
  /** "file.sql:12" */
  at: string;
  /** Directory \ir resolves against: the script's own, or the current one. */
  dir: string;
}

const SUPPORTED = '\\connect (\\c), \\i, \\ir, \\set, \\unset, \\echo, \\qecho, \\encoding, \\restrict, \\unrestrict';

/**
 * Interprets one psql meta-command of a script, the subset that dumps and migrations use.
 * Anything else stops the run before anything of it reaches the server, naming the
 * command, file and line, since running a script without it would not be running it.
 */
export function interpretMeta(text: string, state: MetaState, where: MetaWhere): MetaAction {
  const { name, rest } = metaName(text);
  const fail = (message: string, hint = `only these meta-commands run here: ${SUPPORTED}; run the file with psql`) =>
    new CliError('usage', `${where.at}: ${message}`, { hint });
  if (state.restricted !== undefined && name !== 'unrestrict')
    throw fail(
      `psql meta-command \\${name} is not allowed in restricted mode (after \\restrict)`,
      'pg_dump restricts its output so that data cannot smuggle meta-commands in; the file may have been tampered with',
    );
  let args: string[];
  try {
    args = parseArgs(rest, (v) => state.vars.get(v), { identifier: name === 'c' || name === 'connect' });
  } catch (e) {
    if (e instanceof ShellArgumentError)
      throw fail(`psql meta-command \\${name} runs a shell command (backquotes); that never happens here`);
    throw e;
  }
  switch (name) {
    case 'c':
    case 'connect':
      return { kind: 'connect', database: connectTarget(args, (m) => fail(`\\${name}: ${m}`)) };
    case 'i':
    case 'include':
    case 'ir':
    case 'include_relative': {
      const path = args[0];
      if (!path || path === '-') throw fail(`\\${name} needs a file name`);
      const relative = name === 'ir' || name === 'include_relative';
      return { kind: 'include', path: isAbsolute(path) || !relative ? resolve(path) : resolve(where.dir, path) };
    }
    case 'set':
      return setVariable(args, state.vars, fail);
    case 'unset':
      if (!args[0]) throw fail('\\unset needs a variable name');
      state.vars.unset(args[0]);
      return { kind: 'none' };
    case 'echo':
    case 'qecho': {
      const bare = args[0] === '-n' ? args.slice(1) : args;
      return { kind: 'echo', text: bare.join(' ') + (args[0] === '-n' ? '' : '\n') };
    }
    case 'encoding':
      return { kind: 'encoding', name: args[0] };
    case 'restrict':
      if (!args[0] || !/^[A-Za-z0-9]+$/.test(args[0])) throw fail('\\restrict needs a key of letters and digits');
      state.restricted = args[0];
      return { kind: 'none' };
    case 'unrestrict':
      if (state.restricted === undefined) throw fail('\\unrestrict: not in restricted mode');
      if (args[0] !== state.restricted) throw fail('\\unrestrict: the key does not match the one of \\restrict');
      state.restricted = undefined;
      return { kind: 'none' };
    case '.':
      throw fail(
        '\\. outside COPY data',
        'a COPY ... FROM stdin that the server rejected leaves its data behind; fix the COPY',
      );
    default:
      throw fail(`psql meta-command \\${name} is not supported`);
  }
}

function setVariable(args: string[], vars: Variables, fail: (m: string) => CliError): MetaAction {
  const [name, ...values] = args;
  if (!name) throw fail('\\set without arguments (listing variables) is not supported');
  if (!/^[\p{L}\p{N}_]+$/u.test(name)) throw fail(`\\set: invalid variable name "${name}"`);
  const value = values.join('');
  if (name === 'ON_ERROR_STOP' && parseBool(value) === undefined)
    throw fail(`\\set: unrecognized value "${value}" for "ON_ERROR_STOP": Boolean expected`);
  vars.set(name, value);
  return { kind: 'none' };
}

/**
 * \connect's database: `\c db`, `\c -reuse-previous=on "dbname='x'"` (pg_dumpall), or `-`
 * for the current one. Another user, host or port is refused: a run stays on its instance.
 */
function connectTarget(args: string[], fail: (m: string) => CliError): string | undefined {
  const rest = args[0]?.startsWith('-reuse-previous') ? args.slice(1) : args;
  const [db, ...others] = rest;
  if (others.some((o) => o !== '-'))
    throw fail('another user, host or port is not supported: the script stays on this instance, as its user');
  if (db === undefined || db === '-') return undefined;
  if (/^postgres(ql)?:\/\//.test(db)) throw fail('connection URIs are not supported; name the database');
  if (!db.includes('=')) return db;
  const params = conninfo(db);
  if (!params) throw fail(`cannot read the connection string ${JSON.stringify(db)}`);
  const other = Object.keys(params).filter((k) => k !== 'dbname');
  if (other.length)
    throw fail(
      `${other.join(', ')} in the connection string is not supported: the script stays on this instance, as its user`,
    );
  return params.dbname;
}

/** key=value pairs of a libpq connection string; values may be 'quoted' with \' and \\ escapes. */
function conninfo(s: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']*))/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s))) {
    out[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
    end = re.lastIndex;
  }
  return s.slice(end).trim() ? undefined : out;
}
