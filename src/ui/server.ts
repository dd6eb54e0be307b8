import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from '../core/errors.js';
import type { Actions } from './actions.js';
import { dispatch, errorReply } from './routes.js';
import { checkRequest, newNonce, securityHeaders, tokenCookie } from './security.js';

/** The console's HTTP server: loopback only, every request through the gate, then the page or the API. */
export interface ConsoleServer {
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** 0: a free port the kernel picks. */
  port: number;
  token: string;
  actions: Actions;
  /** The page, with __NONCE__ where its script and style tags need the per-response nonce. */
  page: string;
}

export const HOST = '127.0.0.1';
const MAX_BODY = 256 * 1024;

export async function startConsole(opts: ServerOptions): Promise<ConsoleServer> {
  let port = opts.port;
  const server = createServer((req, res) => {
    handle(req, res, opts, port).catch((e) => send(res, errorReply(e).status, errorReply(e).body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, opts.port)));
    server.listen({ host: HOST, port: opts.port, exclusive: true }, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Requests in flight finish (their commands saw the abort); idle keep-alive sockets go now.
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ServerOptions, port: number): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
  const verdict = checkRequest(
    {
      method,
      host: req.headers.host,
      origin: req.headers.origin,
      cookie: req.headers.cookie,
      queryToken: url.searchParams.get('token'),
    },
    opts.token,
    port,
  );
  if (!verdict.ok) {
    req.resume();
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
    res.end(`forbidden (${verdict.reason}): open the URL that \`resource-postgres ui\` printed\n`);
    return;
  }
  if (verdict.setCookie) res.setHeader('Set-Cookie', tokenCookie(opts.token, port));
  if (url.pathname === '/' && (method === 'GET' || method === 'HEAD')) {
    const nonce = newNonce();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...securityHeaders(nonce) });
    res.end(method === 'HEAD' ? undefined : opts.page.replaceAll('__NONCE__', nonce));
    return;
  }
  if (!url.pathname.startsWith('/api/')) {
    req.resume();
    return send(res, 404, { error: { kind: 'not-found', message: `no such page: ${url.pathname}` } });
  }
  const body = method === 'POST' ? await readJson(req) : (req.resume(), undefined);
  const reply = await dispatch(opts.actions, method, url.pathname, url.searchParams, body);
  send(res, reply.status, reply.body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...securityHeaders() });
  res.end(JSON.stringify(body));
}

/** JSON only: a form post from another page (text/plain, urlencoded) is refused before reading. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new CliError('usage', 'the API takes JSON bodies (Content-Type: application/json)');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new CliError('usage', `the request body is over ${MAX_BODY / 1024} KiB`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError('usage', 'the request body is not valid JSON');
  }
}

function listenError(e: NodeJS.ErrnoException, port: number): Error {
  if (e.code === 'EADDRINUSE')
    return new CliError('conflict', `port ${port} on ${HOST} is in use`, {
      hint: 'choose another with --port P, or leave --port out for a free one',
    });
  if (e.code === 'EACCES')
    return new CliError('usage', `not allowed to listen on port ${port}`, { hint: 'use a port above 1023' });
  return e;
}
