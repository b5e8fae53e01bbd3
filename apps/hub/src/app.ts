import websocket from '@fastify/websocket';
import { createFastify, errorHandler, registerGuards, validatorCompiler } from '@pidscope/agent';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import hubPlugin, { type HubOptions } from './plugins/hub.js';
import fleetRoutes from './routes/fleet.js';
import forwardRoutes from './routes/forward.js';
import healthRoute from './routes/health.js';
import hostStreamRoute from './routes/hostStream.js';
import hostsRoute from './routes/hosts.js';
import webRoute from './routes/web.js';

export type { HubOptions } from './plugins/hub.js';

/** Where the URL with the token is printed, for a person who opened the page without it. */
export const WHERE_IS_THE_URL =
  "it is the line 'pidscope hub listening on …' in the hub's output (the terminal that ran " +
  'npm start -- --hub, or the service log). A hub given its token prints the URL without it';

/** Biggest browser WebSocket frame accepted; the protocol's own limit is lower. */
const WS_MAX_PAYLOAD = 64 * 1024;

/**
 * The hub as a Fastify plugin; it never listens (main.ts does). It reads no /proc: everything it
 * knows comes from agents' streams.
 */
export async function hubApp(fastify: FastifyInstance, opts: HubOptions): Promise<void> {
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setErrorHandler(errorHandler);

  const { config } = opts;
  // The agent's guards, as they are: its headers and CSP on every response, then nothing runs
  // for a foreign Host or without the token.
  await registerGuards(fastify, {
    tls: config.tls !== null,
    host: config.host,
    allowedHosts: config.allowedHosts,
    hint: 'the hub answers to localhost, 127.0.0.1, [::1], its listen address and PIDSCOPE_ALLOWED_HOSTS',
    session: {
      token: config.token,
      isOpen: (path) => path === '/healthz',
      whereIsTheUrl: WHERE_IS_THE_URL,
    },
  });
  await fastify.register(hubPlugin, opts);
  await fastify.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } });
  await fastify.register(healthRoute);
  await fastify.register(hostsRoute);
  await fastify.register(fleetRoutes);
  await fastify.register(hostStreamRoute);
  await fastify.register(forwardRoutes);
  await fastify.register(webRoute);
}

/** A Fastify instance with the hub registered (not listening). */
export async function buildHub(
  opts: HubOptions,
  server: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const fastify = createFastify(opts.config.tls, server);
  await fastify.register(fp(hubApp, { name: 'pidscope-hub-app' }), opts);
  return fastify;
}
