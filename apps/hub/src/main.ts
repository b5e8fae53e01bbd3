// Starts the hub: validates the config, listens, prints the URL to open, stops cleanly on signals.
import type { AddressInfo } from 'node:net';
import { listenUrl, redactUrl } from '@pidscope/agent';
import { LogController } from 'fastify';
import { buildHub } from './app.js';
import { ConfigError, type HubConfig, loadHubConfig, USAGE } from './config.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

let config: HubConfig;
try {
  config = loadHubConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`pidscope hub: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const app = await buildHub(
  { config },
  {
    logger: {
      level: 'info',
      serializers: {
        req: (req) => ({
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.ip,
        }),
      },
    },
    requestTimeout: 70_000,
    connectionTimeout: 90_000,
    forceCloseConnections: 'idle',
    logController: new LogController({ disableRequestLogging: true }),
  },
);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info(`${signal}: shutting down`);
  const force = setTimeout(() => process.exit(1), 10_000);
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
    `pidscope hub: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`,
  );
  await app.close();
  process.exit(1);
}
const { port } = app.server.address() as AddressInfo;
// As the agent: the token is printed only when the hub made it up.
const shown = config.tokenGenerated ? config.token : null;
console.log(
  `pidscope hub listening on ${listenUrl(config.host, port, shown, config.tls !== null)}${
    shown === null
      ? ' (open it with ?token=<your token> once; the page keeps a session cookie)'
      : ''
  }`,
);
console.log(`pidscope hub: watching ${config.agents.map((a) => a.text).join(', ') || 'no agents'}`);
