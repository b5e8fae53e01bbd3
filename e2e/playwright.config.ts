import { defineConfig } from '@playwright/test';

// Debian's Chromium; Playwright's own browser downloads are never used.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// One folder per run: a second run (another terminal, the root `npm test`) must not wipe the
// traces of one in progress. Set here once; workers inherit it.
process.env.PIDSCOPE_E2E_OUTPUT ??= `./test-results/run-${new Date().toISOString().replace(/[:.]/g, '-')}`;

export default defineConfig({
  testDir: './tests',
  outputDir: process.env.PIDSCOPE_E2E_OUTPUT,
  // One agent, real containers and real signals: tests run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  globalSetup: './src/globalSetup.ts',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1440, height: 900 },
    actionTimeout: 20_000,
    navigationTimeout: 45_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'dashboard', testMatch: 'ui/**/*.spec.ts' },
    // Builds the image and runs the agent under docker-compose: after the browser tests.
    { name: 'deploy', testMatch: 'deploy/**/*.spec.ts', timeout: 600_000 },
  ],
});
