// Starts the hub: validates the config, listens, prints the URL to open, stops cleanly on signals.
import { serve, serverOptions } from '@pidscope/agent';
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
  // A forwarded action waits up to 65 s for its agent: the request timeout is above that.
  serverOptions({ requestTimeout: 70_000, connectionTimeout: 90_000 }),
);

await serve(app, config, 'pidscope hub');
console.log(`pidscope hub: watching ${config.agents.map((a) => a.text).join(', ') || 'no agents'}`);
