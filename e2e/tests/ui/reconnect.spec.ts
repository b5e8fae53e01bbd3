import { type ChildProcess, spawn } from 'node:child_process';
import { type Agent, startAgent } from '../../src/agent.js';
import { expect, openDashboard, reveal, searchSelections, test } from '../../src/fixtures.js';
import { startTimeOf } from '../../src/proc.js';

// This test stops its agent, so it runs its own rather than the shared one. While it is away the
// browser reports the refused socket and requests in the console: those errors are the point. So
// is a 503: a request that reaches the agent while it closes is answered so (Fastify's
// return503OnClosing), as the clean-clone CI saw once.
// (A list given to test.use is read as [value, options]: the list goes inside one.)
test.use({
  expectedConsoleErrors: [
    [
      /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/api\/v1\/stream' failed/,
      /Failed to load resource: net::ERR_CONNECTION_REFUSED/,
      /Failed to load resource: the server responded with a status of 503 \(Service Unavailable\)/,
    ],
    { scope: 'test' },
  ],
});

let agent: Agent | null = null;
let sleeper: ChildProcess | null = null;

test.afterEach(async () => {
  await agent?.stop();
  agent = null;
  if (sleeper?.exitCode === null && sleeper.signalCode === null) sleeper.kill('SIGKILL');
  sleeper = null;
});

test('an open page reconnects and resyncs by itself when the agent restarts', async ({ page }) => {
  agent = await startAgent({ name: 'restart' });
  const { port, token } = agent;
  await openDashboard(page, agent);
  await reveal(page, agent);
  // Marks this document: a reload would lose it.
  await page.evaluate(() => {
    (window as unknown as { e2eMark: number }).e2eMark = 42;
  });

  const old = { pid: agent.pid, startTime: agent.startTime };
  await agent.stop();
  await expect(page.getByTestId('connection-status')).toHaveText(/^(reconnecting|stale)$/);

  // Something new happens while the agent is away.
  sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  const fresh = { pid: sleeper.pid as number, startTime: startTimeOf(sleeper.pid as number) };

  agent = await startAgent({ name: 'restart', port, token });
  // Back on the session cookie alone: the page never held the token, and the URL has none.
  await expect(page.getByTestId('connection-status')).toHaveText('live', { timeout: 30_000 });
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  expect((await reveal(page, fresh)).label).toMatch(/^sleep, PID /);
  // The new agent process is drawn; the stopped one is gone from the model.
  await reveal(page, agent);
  expect(await searchSelections(page, old.pid)).not.toContainEqual(old);
  expect(await page.evaluate(() => (window as unknown as { e2eMark?: number }).e2eMark)).toBe(42);
});
