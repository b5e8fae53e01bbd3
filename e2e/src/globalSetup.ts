// Starts the one agent the dashboard tests share; the returned function is the global teardown.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent } from './agent.js';
import { removeRunContainers } from './docker.js';
import { E2E_DIR, WEB_INDEX } from './paths.js';

/** Keeps the traces of the last few runs only. */
function pruneOldRuns(keep: number): void {
  const dir = join(E2E_DIR, 'test-results');
  if (!existsSync(dir)) return;
  const runs = readdirSync(dir)
    .filter((d) => d.startsWith('run-'))
    .sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - keep))) {
    rmSync(join(dir, old), { recursive: true, force: true });
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(WEB_INDEX))
    throw new Error(`${WEB_INDEX} is missing: build first (npm run build)`);
  pruneOldRuns(5);
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
