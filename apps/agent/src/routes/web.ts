import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AgentError, cut } from '../errors.js';

const NOT_BUILT = `pidscope agent is running, but its web UI is not built.

Build it with:  npm run build -w @pidscope/web
then restart the agent. The API answers meanwhile:
  /api/v1/snapshot  /api/v1/containers  /api/v1/events  /api/v1/stream (WebSocket)  /metrics
`;

/** Paths that never fall back to the single-page app. */
const isApiPath = (url: string) =>
  url.startsWith('/api/') ||
  url === '/api' ||
  url.startsWith('/metrics') ||
  url.startsWith('/healthz');

/**
 * Serves the built web UI at /, with the single-page-app fallback to index.html for other GETs
 * that accept HTML; without a build, / explains how to make one. Unknown API paths answer JSON 404.
 */
export default fp(
  async function web(fastify: FastifyInstance) {
    const root = fastify.config.webRoot;
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
    // Every /api/ path is the API's, whatever it looks like (`/api/v1//snapshot`, a path too long
    // for the router): a JSON 404, never the static server's answer.
    const notFound = (req: FastifyRequest) =>
      new AgentError('NOT_FOUND', `no route ${req.method} ${cut(req.url.split('?')[0] ?? '')}`);
    fastify.all('/api/*', async (req) => {
      throw notFound(req);
    });
    fastify.setNotFoundHandler(async (req: FastifyRequest, reply: FastifyReply) => {
      const wantsPage =
        (req.method === 'GET' || req.method === 'HEAD') &&
        !isApiPath(req.url) &&
        (req.headers.accept ?? '').includes('text/html');
      if (root && wantsPage) return reply.sendFile('index.html');
      throw notFound(req);
    });
  },
  { name: 'pidscope-web', dependencies: ['pidscope-config'] },
);
