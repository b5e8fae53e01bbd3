import type { Server as HttpsServer } from 'node:https';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import Fastify, {
  type FastifyHttpsOptions,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from './config.js';
import { asAgentError, errorBody, errorHandler } from './errors.js';
import { loopBusy } from './metrics/eventLoop.js';
import actionsPlugin from './plugins/actions.js';
import configPlugin from './plugins/config.js';
import demosPlugin from './plugins/demos.js';
import dockerPlugin from './plugins/docker.js';
import historyPlugin from './plugins/history.js';
import modelPlugin from './plugins/model.js';
import streamPlugin, { type StreamOptions } from './plugins/stream.js';
import actionRoutes from './routes/actions/index.js';
import containersRoute from './routes/api/containers.js';
import eventsRoute from './routes/api/events.js';
import historyRoute from './routes/api/history.js';
import processesRoute from './routes/api/processes.js';
import snapshotRoute from './routes/api/snapshot.js';
import streamRoute from './routes/api/stream.js';
import threadsRoute from './routes/api/threads.js';
import zombiesRoute from './routes/api/zombies.js';
import demoRoutes from './routes/demos/index.js';
import healthRoute from './routes/health.js';
import metricsRoute from './routes/metrics.js';
import webRoute from './routes/web.js';
import { registerGuards } from './security/guards.js';
import { validatorCompiler } from './validation.js';

export interface AppOptions {
  config: Config;
  stream?: Partial<StreamOptions>;
}

/** Where the URL with the token is printed, for a person who opened the page without it. */
export const WHERE_IS_THE_URL =
  "it is the line 'pidscope listening on …' in the agent's output: the terminal that ran npm start, " +
  "docker-compose logs pidscope, or the pod's log. An agent given its token (PIDSCOPE_TOKEN, " +
  'PIDSCOPE_TOKEN_FILE) prints the URL without it';

/** Socket errors a client causes by going away: not the agent's fault, not worth an error line. */
const CLIENT_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * The page's icons hold no process data, and a browser asks for them even on the page that says
 * the session is missing: answered without credentials, a refused icon is no console error there.
 */
const ICONS = new Set(['/favicon.ico', '/favicon.svg']);

/** Biggest client WebSocket frame ws accepts before closing with 1009; the protocol's own limit is lower. */
const WS_MAX_PAYLOAD = 64 * 1024;

/**
 * The agent as a Fastify plugin; it never listens (main.ts does). Plugins that add decorators
 * come first, then routes, each its own encapsulated plugin.
 */
export async function app(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setErrorHandler(errorHandler);
  // Any request is work for the main thread: its event-loop delay is measured while there is some.
  fastify.addHook('onRequest', async () => loopBusy());

  const { config } = opts;
  if (config.allowedHosts === null) {
    fastify.log.warn(
      'PIDSCOPE_ALLOWED_HOSTS=*: any Host header is accepted; against DNS rebinding the agent relies on its token alone',
    );
  }
  await registerGuards(fastify, {
    tls: config.tls !== null,
    host: config.host,
    allowedHosts: config.allowedHosts,
    hint: 'the agent answers to localhost, 127.0.0.1, [::1], its listen address and PIDSCOPE_ALLOWED_HOSTS',
    session: {
      token: config.token,
      isOpen: (path) =>
        path === '/healthz' || ICONS.has(path) || (path === '/metrics' && !config.metricsAuth),
      whereIsTheUrl: WHERE_IS_THE_URL,
      onRefused: (_req, code) => {
        if (fastify.hasDecorator('actionService')) fastify.actionService.audit.refused(code);
      },
    },
  });
  await fastify.register(configPlugin, { config });
  await fastify.register(dockerPlugin);
  await fastify.register(historyPlugin);
  await fastify.register(modelPlugin);
  await fastify.register(websocket, {
    options: { maxPayload: WS_MAX_PAYLOAD },
    errorHandler: (err, socket, req) => {
      // What a client sends (a frame that is not UTF-8, too big, a reset) is its own problem: a
      // line at info, without a stack, so no client can write error lines into the agent's log.
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code.startsWith('WS_ERR_') || CLIENT_SOCKET_ERRORS.has(code)) {
        req.log.info({ code, reason: err.message }, 'stream client misbehaved; closed');
      } else {
        req.log.error({ err }, 'stream handler failed');
      }
      socket.terminate();
    },
  });
  await fastify.register(streamPlugin, opts.stream ?? {});

  await fastify.register(healthRoute);
  await fastify.register(snapshotRoute);
  await fastify.register(processesRoute);
  await fastify.register(threadsRoute);
  await fastify.register(containersRoute);
  await fastify.register(eventsRoute);
  await fastify.register(historyRoute);
  await fastify.register(zombiesRoute);
  await fastify.register(streamRoute);
  await fastify.register(metricsRoute);
  await fastify.register(actionsPlugin);
  await fastify.register(actionRoutes);
  await fastify.register(demosPlugin);
  await fastify.register(demoRoutes);
  await fastify.register(webRoute);
}

export default fp(app, { name: 'pidscope-app' });

/** Strips the token from a logged URL: it must never reach the logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/g, '$1[redacted]');
}

/**
 * A Fastify instance that speaks HTTPS (and WSS on the same server) when given a certificate,
 * else HTTP. Typed as the HTTP one: nothing here depends on which.
 */
export function createFastify(
  tls: Config['tls'],
  server: FastifyServerOptions = {},
): FastifyInstance {
  const common: FastifyServerOptions = {
    logger: false,
    // A URL the router cannot decode never reaches the error handler: same answer, same body.
    frameworkErrors: (err, _req, reply) => {
      const e = asAgentError(err);
      (reply as FastifyReply).code(e.statusCode).send(errorBody(e));
    },
    ...server,
  };
  return (tls
    ? Fastify({
        ...common,
        https: { cert: tls.cert, key: tls.key },
      } as FastifyHttpsOptions<HttpsServer>)
    : Fastify(common)
  ).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;
}

/** A Fastify instance with the agent registered (not listening). */
export async function buildApp(
  opts: AppOptions,
  server: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const fastify = createFastify(opts.config.tls, server);
  await fastify.register(fp(app, { name: 'pidscope-app' }), opts);
  return fastify;
}
