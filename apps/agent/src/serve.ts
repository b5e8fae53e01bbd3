// The end of a main.ts, the agent's and the hub's alike: server settings, listening, the URL to
// open, and a clean stop on signals.
import type { AddressInfo } from 'node:net';
import { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { redactUrl } from './app.js';
import { type Config, listenUrl } from './config.js';

/**
 * Fastify settings for a server that listens: request lines without the token, no per-request
 * log, and bounded waits so a stuck client cannot hold a socket open forever.
 */
export function serverOptions(timeouts: {
  requestTimeout: number;
  connectionTimeout: number;
}): FastifyServerOptions {
  return {
    logger: {
      level: 'info',
      serializers: {
        req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
      },
    },
    ...timeouts,
    forceCloseConnections: 'idle',
    logController: new LogController({ disableRequestLogging: true }),
  };
}

/**
 * Listens on the configured address and prints `<name> listening on <url>`; SIGINT and SIGTERM
 * close the app (at most 10 s) and exit. A port it cannot take is said plainly, exit status 1.
 */
export async function serve(
  app: FastifyInstance,
  config: Pick<Config, 'host' | 'port' | 'token' | 'tokenGenerated' | 'tls'>,
  name: string,
): Promise<void> {
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: shutting down`);
    const force = setTimeout(() => {
      app.log.error('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void shutdown(signal));
  }

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    console.error(
      `${name}: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`,
    );
    await app.close();
    process.exit(1);
  }
  const { port } = app.server.address() as AddressInfo;
  // The token is printed only when it was made up here: one the operator gave is known to them,
  // and printing it would copy it into every log collector.
  const shown = config.tokenGenerated ? config.token : null;
  console.log(
    `${name} listening on ${listenUrl(config.host, port, shown, config.tls !== null)}${
      shown === null
        ? ' (open it with ?token=<your token> once; the page keeps a session cookie)'
        : ''
    }`,
  );
}
