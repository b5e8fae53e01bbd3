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

/** The same built UI as an agent serves, with the single-page-app fallback; unknown API paths 404. */
export default async function web(fastify: FastifyInstance): Promise<void> {
  const root = fastify.hub.config.webRoot;
  if (root) {
    await fastify.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: true,
      index: 'index.html',
    });
  } else {
    fastify.get('/', async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send(NOT_BUILT),
    );
  }
  fastify.setNotFoundHandler(async (req: FastifyRequest, reply: FastifyReply) => {
    const wantsPage =
      (req.method === 'GET' || req.method === 'HEAD') &&
      !isApiPath(req.url) &&
      (req.headers.accept ?? '').includes('text/html');
    if (root && wantsPage) return reply.sendFile('index.html');
    throw Errors.notFound(req.method, req.url);
  });
}
