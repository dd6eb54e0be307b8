import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The console's gate, as pure functions (unit-tested without a server). Anyone on the machine
 * can reach 127.0.0.1, and any web page the user visits can make the browser send requests
 * there, so a request must prove three things: it carries the token printed at start (query
 * once, then a cookie), it names our own address in Host (a rebound DNS name does not), and a
 * POST comes from our own page (Origin).
 */

/** Cookies ignore ports: each console (one per port) keeps its own, or two would overwrite each other's. */
export const cookieName = (port: number) => `rp_console_${port}`;

/** 256 bits from the CSPRNG, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time: hashing first makes both sides the same length whatever was sent. */
export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** Only our own address: 127.0.0.1:P or localhost:P (a DNS-rebinding page sends its own name). */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/** A state-changing request must come from the console's own page; no Origin is no proof. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (!origin) return false;
  const o = origin.toLowerCase();
  return o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}`;
}

/** The token cookie of the console on `port` from a Cookie header (the first of that name). */
export function cookieToken(header: string | undefined, port: number): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === cookieName(port)) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** HttpOnly: page scripts never see it; SameSite=Strict: other sites' requests never carry it. */
export function tokenCookie(token: string, port: number): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export type Verdict = { ok: true; setCookie: boolean } | { ok: false; reason: string };

export interface GateRequest {
  method: string;
  host?: string;
  origin?: string;
  cookie?: string;
  /** The `token` query parameter, if the URL had one. */
  queryToken?: string | null;
}

/** Host first (a rebound name learns nothing), then the token, then Origin for anything but GET/HEAD. */
export function checkRequest(req: GateRequest, token: string, port: number): Verdict {
  if (!hostAllowed(req.host, port)) return { ok: false, reason: 'wrong Host header' };
  const fromQuery = tokenMatches(token, req.queryToken);
  if (!fromQuery && !tokenMatches(token, cookieToken(req.cookie, port)))
    return { ok: false, reason: 'missing or wrong token' };
  if (req.method !== 'GET' && req.method !== 'HEAD' && !originAllowed(req.origin, port))
    return { ok: false, reason: 'cross-origin request' };
  return { ok: true, setCookie: fromQuery };
}

/** A fresh nonce per page: only our own inline script and style run (CSP). */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function securityHeaders(nonce?: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    nonce ? `script-src 'nonce-${nonce}'` : '',
    nonce ? `style-src 'nonce-${nonce}'` : '',
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].filter(Boolean);
  return {
    'Content-Security-Policy': csp.join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // The first URL carries the token: never send it on as a referrer.
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}
