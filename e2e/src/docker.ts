// Docker through its CLI: the tests create and remove only containers they can name by label.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DIR } from './paths.js';

export const MANAGED_LABEL = 'io.pidscope.managed';
export const TEST_LABEL = 'io.pidscope.test';
export const DEMO_ID_LABEL = 'io.pidscope.demo-id';

export function docker(args: string[], input?: string): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
}

/** Full ids of the containers (running or not) carrying `label=value`. */
export function containersWithLabel(label: string, value: string): string[] {
  const out = docker(['ps', '-aq', '--no-trunc', '--filter', `label=${label}=${value}`]);
  return out ? out.split('\n') : [];
}

/**
 * `docker run -d` without a network, labelled as this run's (`args`: more options, the image and
 * its command); returns the container's full id.
 */
export function runLabelled(run: string, args: string[]): string {
  return docker([
    'run',
    '-d',
    '--network',
    'none',
    '--label',
    `${MANAGED_LABEL}=true`,
    '--label',
    `${TEST_LABEL}=${run}`,
    ...args,
  ]);
}

export function removeContainers(ids: readonly string[]): void {
  if (ids.length) docker(['rm', '-f', '-v', ...ids]);
}

function demoLedger(run: string): string {
  return join(LOG_DIR, `demos-${run}.txt`);
}

/** Remembers a demo started by this run so the teardown can remove its containers. */
export function recordDemo(run: string, demoId: string): void {
  mkdirSync(LOG_DIR, { recursive: true });
  appendFileSync(demoLedger(run), `${demoId}\n`);
}

/** Removes every container this run created: its test label and the demos it started. */
export function removeRunContainers(run: string): void {
  const ids = new Set(containersWithLabel(TEST_LABEL, run));
  const ledger = demoLedger(run);
  if (existsSync(ledger)) {
    for (const demoId of readFileSync(ledger, 'utf8').split('\n')) {
      if (demoId) for (const id of containersWithLabel(DEMO_ID_LABEL, demoId)) ids.add(id);
    }
  }
  removeContainers([...ids]);
}
