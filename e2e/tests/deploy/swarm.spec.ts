// deploy/swarm/pidscope-stack.yml on a one-node swarm: the agent as a global service through the
// launcher, the hub finding it with swarm://, both on the node's loopback, the tokens Swarm
// secrets. Joins a swarm only when the engine is in none, and leaves the one it made.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostsResponse, State } from '@pidscope/protocol';
import { expect, test } from '@playwright/test';
import { newToken } from '../../src/agent.js';
import { docker } from '../../src/docker.js';
import { REPO_ROOT } from '../../src/paths.js';
import { freePort } from '../../src/ports.js';

const stack = `pidscope-e2e-${randomBytes(3).toString('hex')}`;
const image = `pidscope/agent:${stack}`;
/** The launcher's image: this machine's docker CLI on the local node image (no registry here). */
const launcherImage = 'pidscope/docker-cli:local';
const agentToken = newToken();
const hubToken = newToken();
let createdSwarm = false;
let deployed = false;
let hubPort = 0;
let agentPort = 0;
let tokens = '';

// Not at load: Playwright's runner loads this file too, to list its tests, and no hook of its runs
// there to remove what the load made.
test.beforeAll(() => {
  tokens = mkdtempSync(join(tmpdir(), 'pidscope-swarm-tokens-'));
  chmodSync(tokens, 0o700);
});

function buildLauncherImage(): void {
  const dir = mkdtempSync(join(tmpdir(), 'pidscope-docker-cli-'));
  try {
    copyFileSync('/usr/bin/docker', join(dir, 'docker'));
    writeFileSync(
      join(dir, 'Dockerfile'),
      // The node image already holds the C library the CLI links against.
      'FROM pidscope/node:local\nCOPY docker /usr/local/bin/docker\nLABEL io.pidscope.managed=true\n',
    );
    docker(['build', '-q', '-t', launcherImage, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function hubGet<T>(path: string): Promise<T | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${hubPort}${path}`, {
      headers: { authorization: `Bearer ${hubToken}` },
    });
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}

test.afterAll(() => {
  if (deployed) {
    docker(['stack', 'rm', stack]);
    // Wait until the stack's services and the agent the launcher started are gone.
    for (let i = 0; i < 60; i++) {
      const left =
        docker(['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`]) +
        docker(['ps', '-aq', '--filter', `label=io.pidscope.launched-by=pidscope-agent-${stack}`]);
      if (!left) break;
      execFileSync('sleep', ['1']);
    }
    const stray = docker([
      'ps',
      '-aq',
      '--filter',
      `label=io.pidscope.launched-by=pidscope-agent-${stack}`,
    ]);
    if (stray) docker(['rm', '-f', ...stray.split('\n')]);
  }
  if (createdSwarm) docker(['swarm', 'leave', '--force']);
  if (tokens) rmSync(tokens, { recursive: true, force: true });
  spawnSync('docker', ['image', 'rm', image], { stdio: 'ignore' });
});

test('the stack runs an agent on the node and a hub that finds it through swarm://', async () => {
  // The same Dockerfile as docker-compose.yml; its layers are cached from the compose test.
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'apps', 'agent', 'dist', 'docker', 'imagesCli.js')],
    {
      stdio: 'ignore',
    },
  );
  execFileSync('docker', ['build', '--network', 'host', '-q', '-t', image, REPO_ROOT], {
    stdio: 'ignore',
    timeout: 540_000,
  });
  buildLauncherImage();

  if (docker(['info', '--format', '{{.Swarm.LocalNodeState}}']) !== 'active') {
    docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    createdSwarm = true;
  }
  hubPort = await freePort();
  agentPort = await freePort();
  const agentTokenFile = join(tokens, 'agent.token');
  const hubTokenFile = join(tokens, 'hub.token');
  writeFileSync(agentTokenFile, `${agentToken}\n`, { mode: 0o600 });
  writeFileSync(hubTokenFile, `${hubToken}\n`, { mode: 0o600 });
  const res = spawnSync(
    'docker',
    ['stack', 'deploy', '-c', join(REPO_ROOT, 'deploy', 'swarm', 'pidscope-stack.yml'), stack],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        PIDSCOPE_IMAGE: image,
        PIDSCOPE_LAUNCHER_IMAGE: launcherImage,
        PIDSCOPE_STACK: stack,
        PIDSCOPE_AGENT_TOKEN_FILE: agentTokenFile,
        PIDSCOPE_HUB_TOKEN_FILE: hubTokenFile,
        PIDSCOPE_AGENT_PORT: String(agentPort),
        PIDSCOPE_HUB_PORT: String(hubPort),
      },
    },
  );
  expect(res.status, res.stderr).toBe(0);
  deployed = true;

  // Through the hub: the node's agent is up, found by swarm:// at the node's address.
  let hosts: HostsResponse | null = null;
  await expect
    .poll(
      async () => {
        hosts = await hubGet<HostsResponse>('/api/v1/hosts');
        return hosts?.hosts.map((h) => [h.url, h.status]) ?? null;
      },
      { timeout: 180_000, intervals: [2_000] },
    )
    .toEqual([[`http://127.0.0.1:${agentPort}`, 'up']]);
  const host = (hosts as HostsResponse | null)?.hosts[0];
  expect((hosts as HostsResponse | null)?.discovery[0]).toMatchObject({
    kind: 'swarm',
    source: `swarm+http://${stack}_agent`,
    agents: 1,
    error: null,
  });
  // Real processes: the agent in its container sees the host's, this test runner among them.
  const state = await hubGet<State>(`/api/v1/hosts/${host?.id}/snapshot`);
  expect(state?.processes.some((p) => p.pid === process.pid)).toBe(true);
  expect(host?.summary?.processes).toBeGreaterThan(10);

  // The tokens were secrets: neither the services nor the launched agent show them.
  const services = docker([
    'service',
    'ls',
    '-q',
    '--filter',
    `label=com.docker.stack.namespace=${stack}`,
  ]);
  const launched = docker([
    'ps',
    '-q',
    '--filter',
    `label=io.pidscope.launched-by=pidscope-agent-${stack}`,
  ]);
  expect(services.split('\n')).toHaveLength(2);
  expect(launched).not.toBe('');
  const inspected =
    docker(['service', 'inspect', ...services.split('\n')]) +
    docker(['inspect', ...launched.split('\n')]);
  expect(inspected).toContain('PIDSCOPE_TOKEN_FILE');
  expect(inspected).not.toContain(agentToken);
  expect(inspected).not.toContain(hubToken);
});
