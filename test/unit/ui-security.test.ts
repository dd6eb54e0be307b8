import { describe, expect, it } from 'vitest';
import {
  checkRequest,
  cookieToken,
  hostAllowed,
  newToken,
  originAllowed,
  securityHeaders,
  tokenCookie,
  tokenMatches,
} from '../../src/ui/security.js';

/** The console's gate: token, Host (DNS rebinding) and Origin (CSRF), as pure decisions. */
describe('console token', () => {
  it('is 256 random bits, URL-safe, different every time', () => {
    const tokens = new Set(Array.from({ length: 50 }, newToken));
    expect(tokens.size).toBe(50);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('matches only itself, whatever the length of what was sent', () => {
    const t = newToken();
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(t, `${t}x`)).toBe(false);
    expect(tokenMatches(t, t.slice(0, -1))).toBe(false);
    expect(tokenMatches(t, '')).toBe(false);
    expect(tokenMatches(t, undefined)).toBe(false);
    expect(tokenMatches(t, null)).toBe(false);
  });

  it('travels in an HttpOnly, SameSite=Strict cookie and is read back from a Cookie header', () => {
    const c = tokenCookie('abc', 8080);
    expect(c).toMatch(/^rp_console_8080=abc;/);
    expect(c).toContain('HttpOnly');
    expect(c).toContain('SameSite=Strict');
    expect(cookieToken('a=1; rp_console_8080=abc; b=2', 8080)).toBe('abc');
    expect(cookieToken('xrp_console_8080=abc', 8080)).toBeUndefined();
    // Another console's cookie (another port) is not ours.
    expect(cookieToken('rp_console_8081=abc', 8080)).toBeUndefined();
    expect(cookieToken(undefined, 8080)).toBeUndefined();
  });
});

describe('Host and Origin', () => {
  it('accepts only our own address and port as Host', () => {
    expect(hostAllowed('127.0.0.1:8080', 8080)).toBe(true);
    expect(hostAllowed('localhost:8080', 8080)).toBe(true);
    expect(hostAllowed('LOCALHOST:8080', 8080)).toBe(true);
    for (const bad of ['127.0.0.1:8081', 'evil.example:8080', 'localhost', '127.0.0.1', '', undefined])
      expect(hostAllowed(bad, 8080)).toBe(false);
  });

  it('accepts only our own page as Origin; none at all is no proof', () => {
    expect(originAllowed('http://127.0.0.1:8080', 8080)).toBe(true);
    expect(originAllowed('http://localhost:8080', 8080)).toBe(true);
    for (const bad of ['http://evil.example', 'http://127.0.0.1:8081', 'https://127.0.0.1:8080', 'null', undefined])
      expect(originAllowed(bad, 8080)).toBe(false);
  });
});

describe('checkRequest', () => {
  const token = newToken();
  const port = 8080;
  const base = { method: 'GET', host: '127.0.0.1:8080' };

  it('lets the printed URL in once and asks for the cookie to be set', () => {
    expect(checkRequest({ ...base, queryToken: token }, token, port)).toEqual({ ok: true, setCookie: true });
  });

  it('lets the cookie in afterwards', () => {
    expect(checkRequest({ ...base, cookie: `rp_console_8080=${token}` }, token, port)).toEqual({
      ok: true,
      setCookie: false,
    });
  });

  it('refuses a request with no token, a wrong one, or a wrong Host even with the token', () => {
    expect(checkRequest(base, token, port)).toMatchObject({ ok: false, reason: 'missing or wrong token' });
    expect(checkRequest({ ...base, cookie: 'rp_console_8080=nope' }, token, port).ok).toBe(false);
    expect(checkRequest({ ...base, queryToken: 'nope' }, token, port).ok).toBe(false);
    expect(checkRequest({ ...base, host: 'rebound.example:8080', queryToken: token }, token, port)).toMatchObject({
      ok: false,
      reason: 'wrong Host header',
    });
  });

  it('refuses a POST without our Origin, even with the cookie', () => {
    const post = { ...base, method: 'POST', cookie: `rp_console_8080=${token}` };
    expect(checkRequest(post, token, port)).toMatchObject({ ok: false, reason: 'cross-origin request' });
    expect(checkRequest({ ...post, origin: 'http://evil.example' }, token, port).ok).toBe(false);
    expect(checkRequest({ ...post, origin: 'http://127.0.0.1:8080' }, token, port).ok).toBe(true);
  });
});

describe('securityHeaders', () => {
  it('allows only the nonced inline script and style, no framing, no referrer, no caching', () => {
    const h = securityHeaders('N0NCE');
    expect(h['Content-Security-Policy']).toContain("default-src 'none'");
    expect(h['Content-Security-Policy']).toContain("script-src 'nonce-N0NCE'");
    expect(h['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(h['Referrer-Policy']).toBe('no-referrer');
    expect(h['Cache-Control']).toBe('no-store');
    expect(securityHeaders()['Content-Security-Policy']).not.toContain('script-src');
  });
});
