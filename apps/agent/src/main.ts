// Starts the agent: validates the config, listens, prints the URL to open, stops cleanly on signals.
import type { AddressInfo } from 'node:net';
import { LogController } from 'fastify';
import { buildApp, redactUrl } from './app.js';
import { ConfigError, listenUrl, loadConfig, USAGE } from './config.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`pidscope: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp(
    { config },
    {
      logger: {
        level: 'info',
        serializers: {
          req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
        },
      },
      // Bounded waits so a stuck client cannot hold a socket open forever.
      requestTimeout: 30_000,
      connectionTimeout: 60_000,
      forceCloseConnections: 'idle',
      logController: new LogController({ disableRequestLogging: true }),
    },
  );
} catch (err) {
  // A setting that looked valid but does not work (a proc root that is not procfs): said plainly.
  if (err instanceof ConfigError) {
    console.error(`pidscope: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

let closing = false;
async function shutdown(signal: string): Promise<void> {
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
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void shutdown(signal));

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  console.error(
    `pidscope: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`,
  );
  await app.close();
  process.exit(1);
}
const { port } = app.server.address() as AddressInfo;
// The token is printed only when the agent made it up: one the operator gave is known to them, and
// printing it would copy it into every log collector.
const shown = config.tokenGenerated ? config.token : null;
console.log(
  `pidscope listening on ${listenUrl(config.host, port, shown, config.tls !== null)}${
    shown === null
      ? ' (open it with ?token=<your token> once; the page keeps a session cookie)'
      : ''
  }`,
);
