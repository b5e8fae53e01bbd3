import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AgentError } from '../errors.js';

export const SESSION_COOKIE = 'pidscope_session';

export interface Limit {
  max: number;
  timeWindowMs: number;
}

export interface SessionOptions {
  token: string;
  /** Requests that need no credentials (a health check, an open /metrics). */
  isOpen(path: string): boolean;
  /** Served over TLS: the cookie gets `Secure`. */
  secure: boolean;
  /** Where a person finds the URL with the token, for the 401 page and messages. */
  whereIsTheUrl: string;
  /** Failed authentications per client address before 429 (default 10 a minute). */
  failedAuth?: Limit;
  /** Writes (POST, PUT, PATCH, DELETE) per session before 429 (default 60 a minute). */
  writes?: Limit;
  /** Told about every request refused for want of credentials, e.g. to count them. */
  onRefused?(req: FastifyRequest, code: string): void;
}

/** Who a request is: a Bearer client, or a browser session (its id, never the token). */
export interface Auth {
  kind: 'bearer' | 'cookie';
  /** Stable per browser session, or one id for every Bearer client. */
  id: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the request proved it holds the token; null before (and when refused). */
    auth: Auth | null;
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const sameText = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

/** The session id's MAC under the token: restarts with the same token keep sessions valid. */
function mac(token: string, sid: string): string {
  return createHmac('sha256', token).update(`pidscope-session:${sid}`).digest('base64url');
}

export function newSessionCookieValue(token: string): string {
  const sid = randomBytes(16).toString('base64url');
  return `${sid}.${mac(token, sid)}`;
}

/** The session id of a valid cookie value, else null. */
export function verifySessionCookieValue(token: string, value: string): string | null {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return null;
  const sid = m[1] as string;
  return sameText(m[2] as string, mac(token, sid)) ? sid : null;
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The path of a request URL without its query, and the query. */
function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q === -1
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

/**
 * True when a browser page of another site sent the request: its Origin names another host than
 * the one it connected to. No Origin (not a browser, or a same-origin GET) is not cross-site.
 */
export function isCrossSiteOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return false;
  try {
    const o = new URL(origin);
    // Through URL both ways, so a default port (`:80` on http) compares equal to none.
    return host === undefined || o.host !== new URL(`${o.protocol}//${host}`).host;
  } catch {
    return true;
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function refusalPage(whereIsTheUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pidscope: sign in with the agent's URL</title></head>
<body>
<h1>This pidscope page needs the agent's token</h1>
<p>The link you followed has no token, or a token this agent does not hold.
Open the URL the agent printed when it started, the one ending in <code>/?token=…</code>:
${escapeHtml(whereIsTheUrl)}</p>
<p>If you set the token yourself (<code>PIDSCOPE_TOKEN</code> or <code>PIDSCOPE_TOKEN_FILE</code>),
open <code>/?token=</code> followed by that token. The page then keeps a session cookie and drops the
token from the address bar.</p>
</body></html>
`;
}

/**
 * Every request but the open ones must prove it holds the token: `Authorization: Bearer <token>`,
 * or the session cookie that `/?token=<token>` exchanges it for (then a 303 drops the token from
 * the address bar). Refused: 401 UNAUTHENTICATED (a page for a browser, JSON otherwise), 429 once
 * an address failed too often; a write that authenticates by cookie must come from this origin
 * (403 CROSS_SITE), and so must a WebSocket upgrade. Runs before any route or static file.
 */
export default fp(
  async function session(fastify: FastifyInstance, opts: SessionOptions) {
    const failedAuth = opts.failedAuth ?? { max: 10, timeWindowMs: 60_000 };
    const writes = opts.writes ?? { max: 60, timeWindowMs: 60_000 };
    if (!fastify.hasDecorator('createRateLimit')) {
      await fastify.register(rateLimit, { global: false });
    }
    const failures = fastify.createRateLimit({
      max: failedAuth.max,
      timeWindow: failedAuth.timeWindowMs,
      // An upgrade dispatched without a socket (injectWS in tests) has no address.
      keyGenerator: (req) => `address:${req.ip ?? '-'}`,
    });
    const writeLimit = fastify.createRateLimit({
      max: writes.max,
      timeWindow: writes.timeWindowMs,
      keyGenerator: (req) => `session:${req.auth?.id ?? req.ip}`,
    });
    const bearerId = `bearer:${digest(`pidscope-bearer:${opts.token}`).toString('hex').slice(0, 12)}`;
    const cookieFlags = `Path=/; HttpOnly; SameSite=Strict${opts.secure ? '; Secure' : ''}`;

    fastify.decorateRequest('auth', null);

    const tooMany = (reply: FastifyReply, seconds: number, message: string): never => {
      reply.header('retry-after', String(Math.max(1, seconds)));
      throw new AgentError('RATE_LIMITED', message);
    };

    const refuse = async (req: FastifyRequest, reply: FastifyReply, page: boolean) => {
      const read = await failures(req, { increment: false });
      if (!read.isAllowed && read.remaining === 0) {
        opts.onRefused?.(req, 'RATE_LIMITED');
        return tooMany(
          reply,
          read.ttlInSeconds,
          `too many failed authentications from this address; retry in ${read.ttlInSeconds} s`,
        );
      }
      await failures(req);
      opts.onRefused?.(req, 'UNAUTHENTICATED');
      reply.header('www-authenticate', 'Bearer realm="pidscope"');
      if (page)
        return reply
          .code(401)
          .type('text/html; charset=utf-8')
          .send(refusalPage(opts.whereIsTheUrl));
      throw new AgentError(
        'UNAUTHENTICATED',
        `send Authorization: Bearer <token>, or open the page from the URL the agent printed (${opts.whereIsTheUrl})`,
      );
    };

    fastify.addHook('onRequest', async (req, reply) => {
      const { path, query } = splitUrl(req.url);
      if (opts.isOpen(path)) return;
      const isApi = path === '/api' || path.startsWith('/api/');
      const isUpgrade = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
      const wantsPage = !isApi && !isUpgrade && (req.headers.accept ?? '').includes('text/html');

      // The printed URL: trade the token for a cookie and drop it from the address bar.
      const given = query.get('token');
      if (given !== null && !isApi && (req.method === 'GET' || req.method === 'HEAD')) {
        if (!sameText(given, opts.token)) return refuse(req, reply, true);
        query.delete('token');
        const rest = query.toString();
        return reply
          .header(
            'set-cookie',
            `${SESSION_COOKIE}=${newSessionCookieValue(opts.token)}; ${cookieFlags}`,
          )
          .header('cache-control', 'no-store')
          .redirect(`${path}${rest ? `?${rest}` : ''}`, 303);
      }

      const authorization = req.headers.authorization;
      if (authorization !== undefined) {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
        if (!m || !sameText(m[1] as string, opts.token)) return refuse(req, reply, wantsPage);
        req.auth = { kind: 'bearer', id: bearerId };
      } else {
        const value = cookieValue(req.headers.cookie, SESSION_COOKIE);
        const sid = value === null ? null : verifySessionCookieValue(opts.token, value);
        if (sid === null) return refuse(req, reply, wantsPage);
        req.auth = { kind: 'cookie', id: `session:${sid}` };
      }

      // A WebSocket is not covered by CORS, and a cookie rides along on a write from any page the
      // browser shows: both must come from this origin.
      const origin = req.headers.origin;
      const site = req.headers['sec-fetch-site'];
      const crossSite =
        isCrossSiteOrigin(origin, req.headers.host) ||
        (site !== undefined && site !== 'same-origin' && site !== 'none');
      const cookieWrite = req.auth.kind === 'cookie' && WRITE_METHODS.has(req.method);
      if ((isUpgrade && crossSite) || (cookieWrite && (crossSite || origin === undefined))) {
        opts.onRefused?.(req, 'CROSS_SITE');
        throw new AgentError(
          'CROSS_SITE',
          'refused: this request does not come from the agent’s own page (its Origin is another site or missing)',
        );
      }

      if (WRITE_METHODS.has(req.method)) {
        const limit = await writeLimit(req);
        if (!limit.isAllowed && limit.isExceeded) {
          return tooMany(
            reply,
            limit.ttlInSeconds,
            `more than ${writes.max} actions in ${writes.timeWindowMs / 1000} s from this session; retry in ${limit.ttlInSeconds} s`,
          );
        }
      }
    });
  },
  { name: 'pidscope-session' },
);
