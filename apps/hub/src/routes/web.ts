import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';

const NOT_BUILT = `pidscope hub is running, but the web UI is not built.

Build it with:  npm run build -w @pidscope/web
then restart the hub. The API answers meanwhile:
  /api/v1/hosts  /api/v1/fleet/zombies  /api/v1/fleet/containers  /api/v1/fleet/events
  /api/v1/fleet/stream (WebSocket)  /api/v1/hosts/<id>/…  (every agent route)
`;

const isApiPath = (url: string) => url === '/api' || url.startsWith('/api/') || url === '/healthz';

/** The agent's page, marked as a hub's: the UI then shows the fleet and its hosts through the hub. */
export function hubPage(indexHtml: string): string {
  return indexHtml.replace('<head>', '<head>\n    <meta name="pidscope-mode" content="hub" />');
}

/** The same built UI an agent serves, marked as the hub's, with the single-page-app fallback. */
export default async function web(fastify: FastifyInstance): Promise<void> {
  const root = fastify.hub.config.webRoot;
  if (!root) {
    fastify.get('/', async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send(NOT_BUILT),
    );
  } else {
    const page = hubPage(readFileSync(join(root, 'index.html'), 'utf8'));
    const sendPage = (reply: FastifyReply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
    await fastify.register(fastifyStatic, { root, prefix: '/', wildcard: true, index: false });
    fastify.get('/', async (_req, reply) => sendPage(reply));
    fastify.get('/index.html', async (_req, reply) => sendPage(reply));
    fastify.setNotFoundHandler(async (req: FastifyRequest, reply: FastifyReply) => {
      const wantsPage =
        (req.method === 'GET' || req.method === 'HEAD') &&
        !isApiPath(req.url) &&
        (req.headers.accept ?? '').includes('text/html');
      if (wantsPage) return sendPage(reply);
      throw Errors.notFound(req.method, req.url);
    });
    return;
  }
  fastify.setNotFoundHandler(async (req: FastifyRequest) => {
    throw Errors.notFound(req.method, req.url);
  });
}
