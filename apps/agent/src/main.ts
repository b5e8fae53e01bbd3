// Starts the agent: validates the config, listens, prints the URL to open, stops cleanly on signals.
import { buildApp } from './app.js';
import { ConfigError, loadConfig, USAGE } from './config.js';
import { serve, serverOptions } from './serve.js';

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
    // Bounded waits so a stuck client cannot hold a socket open forever.
    serverOptions({ requestTimeout: 30_000, connectionTimeout: 60_000 }),
  );
} catch (err) {
  // A setting that looked valid but does not work (a proc root that is not procfs): said plainly.
  if (err instanceof ConfigError) {
    console.error(`pidscope: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

await serve(app, config, 'pidscope');
