// docker-compose.yml as users run it: builds the image, starts the agent in a container with the
// host's PID namespace, /proc and cgroups, and checks that it sees the host and its containers.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryRange, State } from '@pidscope/protocol';
import { expect, test } from '@playwright/test';
import { newToken } from '../../src/agent.js';
import { containersWithLabel, docker, removeContainers, TEST_LABEL } from '../../src/docker.js';
import { LOG_DIR, REPO_ROOT } from '../../src/paths.js';
import { freePort } from '../../src/ports.js';
import { startTimeOf } from '../../src/proc.js';

const run = `compose-${randomBytes(4).toString('hex')}`;
const project = `pidscope-e2e-${run}`;
const token = newToken();
let port = 0;
let prometheusPort = 0;

function compose(args: string[], timeoutMs = 60_000): string {
  const res = spawnSync(
    'docker-compose',
    ['-p', project, '-f', join(REPO_ROOT, 'docker-compose.yml'), ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: timeoutMs,
      env: {
        ...process.env,
        PIDSCOPE_PORT: String(port),
        PIDSCOPE_PROMETHEUS_PORT: String(prometheusPort),
        PIDSCOPE_TOKEN: token,
        PIDSCOPE_IMAGE_TAG: 'e2e',
      },
    },
  );
  mkdirSync(LOG_DIR, { recursive: true });
  const command = args.find((a) => !a.startsWith('-') && a !== 'monitoring');
  writeFileSync(join(LOG_DIR, `compose-${command}.log`), `${res.stdout}\n${res.stderr}`);
  if (res.status !== 0) {
    throw new Error(
      `docker-compose ${args.join(' ')} failed (${res.status ?? res.signal}):\n${res.stderr.slice(-3000)}`,
    );
  }
  return res.stdout;
}

/** A read from the deployed agent with the token; null while it does not answer. */
async function get<T>(path: string): Promise<T | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}

const getSnapshot = () => get<State>('/api/v1/snapshot');
const getHistory = () => get<HistoryRange>('/api/v1/history');

test.afterAll(() => {
  if (port) compose(['--profile', 'monitoring', 'down', '-v', '--remove-orphans'], 120_000);
  removeContainers(containersWithLabel(TEST_LABEL, run));
  // Each build leaves the previous agent image and its build stage untagged (the Dockerfile
  // labels them): remove ours, or every run leaves most of a gigabyte behind.
  docker(['image', 'prune', '--force', '--filter', 'label=io.pidscope.managed=true']);
});

// The monitoring test runs against the agent the first one brought up.
test.describe.configure({ mode: 'serial' });

test('docker-compose runs the agent in a container that sees the host and its containers', async () => {
  // The base image is imported from this machine's node (there is no registry).
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'apps', 'agent', 'dist', 'docker', 'imagesCli.js')],
    {
      stdio: 'ignore',
    },
  );
  port = await freePort();
  prometheusPort = await freePort();
  // --force-rm: a failed build step leaves no intermediate container behind.
  compose(['build', '--force-rm'], 540_000);
  compose(['up', '-d'], 120_000);
  const agentId = compose(['ps', '-q', 'pidscope']).trim();
  expect(agentId).toMatch(/^[0-9a-f]{64}$/);

  await expect
    .poll(() => docker(['inspect', '-f', '{{.State.Health.Status}}', agentId]), {
      timeout: 120_000,
      intervals: [2_000],
    })
    .toBe('healthy');
  // The operator gave the token: the log names the URL without it.
  const logs = compose(['logs', '--no-color', 'pidscope']);
  expect(logs).toContain(`pidscope listening on http://127.0.0.1:${port}/ `);
  expect(logs).not.toContain(token);
  // Health and metrics stay open (the healthcheck above, a Prometheus scrape); process data does not.
  expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${port}/api/v1/snapshot`)).status).toBe(401);
  // In its container the agent still hears the kernel's process events, and signals through pidfds.
  const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<
    string,
    unknown
  >;
  expect(health).toMatchObject({ source: 'proc-connector', sourceReason: null, signals: 'pidfd' });

  // Deployed unprivileged, every capability dropped but three, on a read-only root.
  const hostConfig = JSON.parse(docker(['inspect', '-f', '{{json .HostConfig}}', agentId])) as {
    Privileged: boolean;
    ReadonlyRootfs: boolean;
    CapDrop: string[];
    PidMode: string;
  };
  expect(hostConfig).toMatchObject({ Privileged: false, ReadonlyRootfs: true, PidMode: 'host' });
  expect(hostConfig.CapDrop).toEqual(['ALL']);

  const mine = { pid: process.pid, startTime: startTimeOf(process.pid) };
  const testContainer = docker([
    'run',
    '-d',
    '--network',
    'none',
    '--label',
    'io.pidscope.managed=true',
    '--label',
    `${TEST_LABEL}=${run}`,
    'pidscope/busybox:local',
    'sleep',
    '300',
  ]);
  const initPid = Number(docker(['inspect', '-f', '{{.State.Pid}}', testContainer]));

  let state: State | null = null;
  await expect
    .poll(
      async () => {
        state = await getSnapshot();
        const container = state?.containers.find((c) => c.id === testContainer);
        const init = state?.processes.find((p) => p.pid === initPid);
        return {
          runner: state?.processes.some(
            (p) => p.pid === mine.pid && p.startTime === mine.startTime,
          ),
          container: container
            ? { initPid: container.initPid, counted: (container.pidsCurrent ?? 0) >= 1 }
            : null,
          init: init ? { containerId: init.containerId, nsPid: init.nsPids.at(-1) } : null,
        };
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toEqual({
      runner: true,
      container: { initPid, counted: true },
      init: { containerId: testContainer, nsPid: 1 },
    });
  // The agent finds itself in its own container through the host's cgroup hierarchy.
  const agentPid = Number(docker(['inspect', '-f', '{{.State.Pid}}', agentId]));
  const self = (state as State | null)?.processes.find((p) => p.pid === agentPid);
  expect(self?.containerId).toBe(agentId);

  // History is recorded on the named volume, and is still there after a restart.
  const mounts = JSON.parse(docker(['inspect', '-f', '{{json .Mounts}}', agentId])) as {
    Type: string;
    Name?: string;
    Source: string;
    Destination: string;
  }[];
  const volume = mounts.find((m) => m.Destination === '/var/lib/pidscope');
  expect(volume).toMatchObject({ Type: 'volume', Name: `${project}_data` });
  const recorded = await getHistory();
  expect(recorded?.recording.state).toBe('recording');
  expect(readdirSync(join(volume?.Source as string, 'history'))).toContain('0000000001.seg');
  compose(['restart', 'pidscope'], 120_000);
  await expect
    .poll(async () => (await getHistory())?.keyframes ?? 0, { timeout: 60_000, intervals: [1_000] })
    .toBeGreaterThanOrEqual(2);
  expect((await getHistory())?.from).toBe(recorded?.from);
});

test("the monitoring profile runs Prometheus with pidscope's rules, scraping the agent", async () => {
  // Built from this machine's Prometheus (Debian's package): there is no registry.
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'apps', 'agent', 'dist', 'docker', 'imagesCli.js'), 'prometheus'],
    { stdio: 'ignore' },
  );
  compose(['--profile', 'monitoring', 'up', '-d', 'prometheus'], 120_000);
  const api = async <T>(path: string): Promise<T | null> => {
    try {
      const res = await fetch(`http://127.0.0.1:${prometheusPort}${path}`);
      return res.ok ? ((await res.json()) as { data: T }).data : null;
    } catch {
      return null;
    }
  };
  // The first scrape comes within one 15 s interval of the start.
  await expect
    .poll(
      async () => {
        const targets = await api<{
          activeTargets: { labels: Record<string, string>; health: string; scrapeUrl: string }[];
        }>('/api/v1/targets');
        return targets?.activeTargets.map((t) => [t.labels.job, t.health, t.scrapeUrl]);
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toEqual([['pidscope', 'up', `http://127.0.0.1:${port}/metrics`]]);
  const rules = await api<{ groups: { rules: { name: string; health: string }[] }[] }>(
    '/api/v1/rules',
  );
  const names = rules?.groups.flatMap((g) => g.rules.map((r) => r.name)) ?? [];
  expect(names).toHaveLength(11);
  expect(names).toContain('PidscopeContainerWithoutInitLeaks');
  const build = await api<{ result: { metric: Record<string, string> }[] }>(
    `/api/v1/query?query=${encodeURIComponent('pidscope_build_info{job="pidscope"}')}`,
  );
  expect(build?.result).toHaveLength(1);

  // Unprivileged, on a read-only root, answering on loopback only.
  const id = compose(['--profile', 'monitoring', 'ps', '-q', 'prometheus']).trim();
  const config = JSON.parse(docker(['inspect', '-f', '{{json .}}', id])) as {
    Config: { User: string };
    HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[]; NetworkMode: string };
  };
  expect(config.Config.User).toBe('65534:65534');
  expect(config.HostConfig).toMatchObject({ ReadonlyRootfs: true, NetworkMode: 'host' });
  expect(config.HostConfig.CapDrop).toEqual(['ALL']);
});
