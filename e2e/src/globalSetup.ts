// Starts the one agent the dashboard tests share; the returned function is the global teardown.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { startAgent } from './agent.js';
import { removeRunContainers } from './docker.js';
import { WEB_INDEX } from './paths.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(WEB_INDEX))
    throw new Error(`${WEB_INDEX} is missing: build first (npm run build)`);
  const run = `e2e-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const agent = await startAgent({ name: 'main' });
  process.env.PIDSCOPE_E2E_RUN = run;
  process.env.PIDSCOPE_E2E_ORIGIN = agent.origin;
  process.env.PIDSCOPE_E2E_TOKEN = agent.token;
  process.env.PIDSCOPE_E2E_AGENT_PID = String(agent.pid);
  process.env.PIDSCOPE_E2E_AGENT_START = String(agent.startTime);
  return async () => {
    await agent.stop();
    removeRunContainers(run);
  };
}
