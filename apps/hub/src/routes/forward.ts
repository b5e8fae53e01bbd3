import type { IncomingHttpHeaders } from 'node:http';
import { AgentError } from '@pidscope/agent';
import type { AuditEntry } from '@pidscope/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';

/** Reads may wait this long for the agent; actions longer (restarting a container takes time). */
const READ_TIMEOUT_MS = 10_000;
const ACTION_TIMEOUT_MS = 65_000;
const MAX_BODY_BYTES = 64 * 1024;

/** Agent response headers that describe the body; the rest (cookies, hop-by-hop) stay behind. */
const PASSED_HEADERS = ['content-type', 'content-length', 'cache-control', 'www-authenticate'];

/** What an action through the hub is, for its audit line: the agent's own action names. */
function actionOf(method: string, path: string): string {
  if (/^processes\/\d+\/signal$/.test(path)) return 'signal';
  if (/^processes\/\d+\/reap$/.test(path)) return 'reap';
  if (/^demos\/[^/]+$/.test(path)) return method === 'DELETE' ? 'demo-stop' : 'demo-start';
  return `${method.toLowerCase()} ${path}`;
}

/** Empty, dot and encoded-slash segments: the forwarded path must stay under /api/v1/. */
function isOddSegment(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return true;
  }
  return decoded === '' || decoded === '.' || decoded === '..' || /[/\\]/.test(decoded);
}

function parseJson(body: Buffer | null): Record<string, unknown> | null {
  if (!body || body.length === 0) return null;
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function passHeaders(reply: FastifyReply, headers: IncomingHttpHeaders): void {
  for (const name of PASSED_HEADERS) {
    const v = headers[name];
    if (v !== undefined) reply.header(name, v);
  }
}

/**
 * Every agent route under /api/v1/hosts/:id/… (snapshot, processes, containers, events, audit,
 * signals, reaps, demos) goes to that host's agent with the hub's credentials. The stream is not
 * here: the hub serves it from its one upstream (hostStream.ts). Actions are audited here with
 * who asked the hub, and by the agent as usual.
 */
export default async function forward(fastify: FastifyInstance): Promise<void> {
  const { fleet, audit } = fastify.hub;
  // The body goes to the agent as it came; the agent validates it.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (_req, body, done) => done(null, body),
  );

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const { id } = req.params as { id: string };
    const prefix = `/api/v1/hosts/${encodeURIComponent(id)}/`;
    const rest = req.url.startsWith(prefix) ? req.url.slice(prefix.length) : '';
    const [path = '', query] = rest.split(/\?(.*)/s);
    if (path === '' || path.split('/').some(isOddSegment)) throw Errors.badForwardPath(path);
    const upstream = fleet.get(id);
    if (!upstream) throw Errors.hostNotFound(id);
    const info = upstream.info();
    if (info.status !== 'up') throw Errors.hostNotUp(id, info.status, info.error);

    const isAction = req.method !== 'GET' && req.method !== 'HEAD';
    const body = Buffer.isBuffer(req.body) ? req.body : null;
    const started = Date.now();
    let status = 502;
    let outcome = 'no answer';
    try {
      const res = await upstream.client.request({
        method: req.method,
        path: `/api/v1/${path}${query ? `?${query}` : ''}`,
        headers: {
          accept: req.headers.accept ?? 'application/json',
          ...(body ? { 'content-type': req.headers['content-type'] ?? 'application/json' } : {}),
          ...(req.auth ? { 'x-pidscope-via': `hub ${req.auth.id}` } : {}),
        },
        body,
        timeoutMs: isAction ? ACTION_TIMEOUT_MS : READ_TIMEOUT_MS,
      });
      status = res.statusCode ?? 502;
      reply.code(status);
      passHeaders(reply, res.headers);
      if (!isAction) return reply.send(res);
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const answer = Buffer.concat(chunks);
      const parsed = parseJson(answer);
      const message = typeof parsed?.message === 'string' ? parsed.message : null;
      outcome = message ?? (status < 400 ? 'ok' : 'refused');
      return reply.send(answer);
    } catch (err) {
      if (err instanceof AgentError) throw err;
      outcome = (err as Error).message;
      throw Errors.agentUnreachable(id, err);
    } finally {
      if (isAction) {
        const sent = parseJson(body);
        const pid = /^processes\/(\d+)\//.exec(path)?.[1];
        const entry: AuditEntry = {
          at: started,
          actor: req.auth?.id ?? null,
          remote: req.ip,
          action: actionOf(req.method, path),
          dryRun: /(^|&)dryRun(=1|=true|=|&|$)/.test(query ?? ''),
          target: pid
            ? {
                pid: Number(pid),
                startTime: typeof sent?.startTime === 'number' ? sent.startTime : null,
              }
            : null,
          signal: typeof sent?.signal === 'string' ? sent.signal : null,
          status,
          outcome,
          detail: { host: id, url: info.url, hostname: info.hostname, path: `/api/v1/${path}` },
        };
        await audit.append(entry).catch((e) => req.log.error({ err: e }, 'audit append failed'));
      }
    }
  };

  fastify.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/api/v1/hosts/:id/*',
    handler,
  });
}
