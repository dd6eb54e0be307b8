import { CliError, type ErrorKind, usageError } from '../core/errors.js';
import { validateInstanceName } from '../core/instance.js';
import type { Actions, Lifecycle } from './actions.js';

/** The JSON API behind the gate: method + path -> one action; errors as {error: {...}} with an HTTP status. */
export interface ApiReply {
  status: number;
  body: unknown;
}

type Params = { instance: string; query: URLSearchParams; body: unknown };
type Handler = (a: Actions, p: Params) => Promise<unknown>;

const LIFECYCLE: Lifecycle[] = ['start', 'stop', 'restart'];
const MAX_TAIL = 2000;

const routes: Record<string, Record<string, Handler>> = {
  GET: {
    logs: (a, p) => a.logs(p.instance, tailOf(p.query.get('tail'))),
    databases: (a, p) => a.databases(p.instance),
    connection: (a, p) => a.connection(p.instance, false),
  },
  POST: {
    ...Object.fromEntries(
      LIFECYCLE.map((action) => [action, (a: Actions, p: Params) => a.lifecycle(p.instance, action)]),
    ),
    query: (a, p) => a.query(p.instance, queryInput(p.body)),
    // A POST, so the Origin check guards it too: the password leaves only on a click in our page.
    password: (a, p) => a.connection(p.instance, true),
  },
};

export type Match =
  { kind: 'status' } | { kind: 'instance'; instance: string; handler: Handler } | { kind: 'reply'; reply: ApiReply };

/** Which action a request names; 404 for unknown paths, 405 for a known path with the wrong method. */
export function route(method: string, path: string): Match {
  if (path === '/api/status') return method === 'GET' ? { kind: 'status' } : reply(notAllowed('GET'));
  const m = /^\/api\/instances\/([^/]+)\/([a-z]+)$/.exec(path);
  if (!m) return reply(fail(404, 'not-found', `no such page: ${path}`));
  const [, rawName, verb] = m as unknown as [string, string, string];
  const handler = routes[method]?.[verb];
  if (!handler) {
    const other = Object.keys(routes).find((k) => routes[k]![verb]);
    return reply(other ? notAllowed(other) : fail(404, 'not-found', `no such page: ${path}`));
  }
  let instance: string;
  try {
    instance = validateInstanceName(decodeURIComponent(rawName));
  } catch (e) {
    return reply(errorReply(e));
  }
  return { kind: 'instance', instance, handler };
}

export async function dispatch(
  actions: Actions,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): Promise<ApiReply> {
  const match = route(method, path);
  try {
    if (match.kind === 'reply') return match.reply;
    if (match.kind === 'status') return { status: 200, body: await actions.status() };
    return { status: 200, body: await match.handler(actions, { instance: match.instance, query, body }) };
  } catch (e) {
    return errorReply(e);
  }
}

function tailOf(v: string | null): number {
  if (v === null) return 200;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_TAIL)
    throw usageError(`tail must be a whole number from 1 to ${MAX_TAIL}, not ${JSON.stringify(v)}`);
  return Number(v);
}

function queryInput(body: unknown) {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.sql !== 'string') throw usageError('the request needs "sql": a string', 'send {"sql": "SELECT 1"}');
  if (b.database !== undefined && typeof b.database !== 'string')
    throw usageError('"database" must be a string when given');
  // Only the literal true allows writes: a missing or odd value keeps the transaction read-only.
  return {
    sql: b.sql,
    database: (b.database as string | undefined) || undefined,
    allowWrites: b.allow_writes === true,
  };
}

const STATUS_OF: Record<ErrorKind, number> = {
  usage: 400,
  'not-found': 404,
  conflict: 409,
  refused: 409,
  engine: 502,
  timeout: 504,
  config: 500,
  failed: 500,
};

const reply = (r: ApiReply): Match => ({ kind: 'reply', reply: r });

function fail(status: number, kind: string, message: string, hint?: string): ApiReply {
  return { status, body: { error: { kind, message, hint: hint ?? null, details: null } } };
}

function notAllowed(allowed: string): ApiReply {
  return fail(405, 'usage', `use ${allowed} here`);
}

/** Our errors keep their message and hint (the CLI's words); anything else is an internal error. */
export function errorReply(e: unknown): ApiReply {
  if (e instanceof CliError) {
    const r = fail(STATUS_OF[e.kind], e.kind, e.message, e.hint);
    (r.body as { error: { details: string | null } }).error.details = e.details ?? null;
    return r;
  }
  return fail(500, 'internal', `internal error: ${(e as Error)?.message ?? String(e)}`);
}
