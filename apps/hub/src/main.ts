// Starts the hub: validates the config, listens, prints the URL to open, stops cleanly on signals.
import { setFlagsFromString } from 'node:v8';
import { serve, serverOptions } from '@pidscope/agent';
import { buildHub } from './app.js';
import { ConfigError, type HubConfig, loadHubConfig, USAGE } from './config.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

/**
 * The hub holds every host's state, and each host's patches replace a few dozen of its process
 * objects a second: objects that lived long enough to be promoted, so the old generation is
 * mostly live states plus their replaced parts. V8 lets it grow to up to four times what
 * survived the last full GC before the next: with 50 hosts of 3,000 processes that is 92 MiB
 * live and 280 MiB before marking, an RSS of 400 MiB that falls back after. Growing by half keeps
 * it under 140 MiB for a full GC every 20 s of 60 to 90 ms marking, most of it concurrent. The
 * flag is read each time V8 sets its next limit, so setting it here, before any state is held,
 * is as good as on the command line, where every way of starting the hub would need it.
 */
setFlagsFromString('--heap-growing-percent=50');

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
