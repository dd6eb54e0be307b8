import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actions } from '../../src/ui/actions.js';
import { type ConsoleServer, startConsole } from '../../src/ui/server.js';

/** The console's server with fake actions: the gate in front of every page and API call. */
interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const calls: string[] = [];
const actions = {
  status: async () => ({ instances: [] }),
  lifecycle: async (i: string, a: string) => (calls.push(`${a} ${i}`), { message: 'ok' }),
} as unknown as Actions;

let server: ConsoleServer;
const token = 'T0KEN-for-tests-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
let host: string;
let cookie: string;
beforeAll(async () => {
  server = await startConsole({ port: 0, token, actions, page: '<script nonce="__NONCE__">page</script>' });
  host = `127.0.0.1:${server.port}`;
  cookie = `rp_console_${server.port}=${token}`;
});
afterAll(async () => server.close());

describe('console server', () => {
  it('serves the page for the printed URL, sets the cookie, and fills in a fresh nonce', async () => {
    const r = await send(server.port, `/?token=${token}`, { Host: host });
    expect(r.status).toBe(200);
    expect(String(r.headers['set-cookie'])).toMatch(/^rp_console_\d+=.*HttpOnly; SameSite=Strict/);
    const nonce = /'nonce-([^']+)'/.exec(String(r.headers['content-security-policy']))![1];
    expect(r.body).toBe(`<script nonce="${nonce}">page</script>`);
    expect(r.body).not.toContain(token);
  });

  it('answers 403 without the token, with a wrong one, or with a foreign Host', async () => {
    expect((await send(server.port, '/', { Host: host })).status).toBe(403);
    expect((await send(server.port, '/api/status', { Host: host })).status).toBe(403);
    expect(
      (await send(server.port, '/api/status', { Host: host, Cookie: `rp_console_${server.port}=wrong` })).status,
    ).toBe(403);
    const rebound = await send(server.port, `/api/status?token=${token}`, {
      Host: `evil.example:${server.port}`,
      Cookie: cookie,
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain(token);
    expect((await send(server.port, '/api/status', { Host: host, Cookie: cookie })).status).toBe(200);
  });

  it('runs a POST only from our own Origin and only with a JSON body', async () => {
    const path = '/api/instances/app/stop';
    const json = { Host: host, Cookie: cookie, 'Content-Type': 'application/json' };
    expect((await send(server.port, path, json, 'POST', '{}')).status).toBe(403);
    expect((await send(server.port, path, { ...json, Origin: 'http://evil.example' }, 'POST', '{}')).status).toBe(403);
    const form = { ...json, Origin: `http://${host}`, 'Content-Type': 'text/plain' };
    expect((await send(server.port, path, form, 'POST', '{}')).status).toBe(400);
    expect(calls).toEqual([]);
    const ok = await send(server.port, path, { ...json, Origin: `http://${host}` }, 'POST', '{}');
    expect(ok.status).toBe(200);
    expect(calls).toEqual(['stop app']);
  });

  it('says which port is taken when another server holds it', async () => {
    await expect(startConsole({ port: server.port, token, actions, page: '' })).rejects.toThrow(
      new RegExp(`port ${server.port} on 127.0.0.1 is in use`),
    );
  });
});
