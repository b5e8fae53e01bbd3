import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiateFormat } from '../../src/metrics/negotiate.js';
import {
  auth,
  removeContainersLabelled,
  startAgent,
  type TestAgent,
  TOKEN,
} from '../actions/helpers.js';
import { waitFor } from '../helpers/app.js';
import { shortRules, startPrometheus, type TestPrometheus } from './server.js';

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

interface Demo {
  id: string;
  containers: { id: string; name: string }[];
}

interface Dashboard {
  panels: { title: string; type: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; type: string; definition?: string }[] };
}

const DASHBOARD = JSON.parse(
  readFileSync(new URL('../../../../deploy/grafana/pidscope.json', import.meta.url), 'utf8'),
) as Dashboard;

/** What Grafana puts in place of the dashboard's variables: every agent, every container. */
function expand(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$instance', '.*')
    .replaceAll('$container', '.*');
}

let agent: TestAgent;
/** An agent run with PIDSCOPE_METRICS_AUTH=1, scraped with and without its token. */
let closedAgent: TestAgent;
let prometheus: TestPrometheus;
const demos: string[] = [];
/** The formats Prometheus's scrapes of /metrics asked for. */
const asked = new Set<string>();

async function startDemo(name: string): Promise<Demo> {
  const res = await agent.app.inject({
    method: 'POST',
    url: `/api/v1/demos/${name}`,
    headers: auth,
  });
  expect(res.statusCode, res.body).toBe(200);
  const demo = res.json() as Demo;
  demos.push(demo.id);
  return demo;
}

/** Polls Prometheus's /api/v1/alerts until `alertname` fires for the container; ms it took. */
async function firing(alertname: string, containerId: string, since: number): Promise<Alert> {
  const alert = await waitFor(
    async () => {
      const { alerts } = await prometheus.query<{ alerts: Alert[] }>('/api/v1/alerts');
      return alerts.find(
        (a) =>
          a.state === 'firing' &&
          a.labels.job === 'pidscope' &&
          a.labels.alertname === alertname &&
          a.labels.container_id === containerId,
      );
    },
    `${alertname} firing for ${containerId.slice(0, 12)} in Prometheus`,
    60_000,
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nprometheus log:\n${prometheus.log()}`);
  });
  console.log(
    `${alertname}: firing ${((Date.now() - since) / 1000).toFixed(1)} s after the demo started`,
  );
  return alert;
}

beforeAll(async () => {
  agent = await startAgent();
  agent.app.server.on('request', (req) => {
    if (req.url === '/metrics') asked.add(negotiateFormat(req.headers.accept));
  });
  await agent.app.listen({ host: '127.0.0.1', port: 0 });
  closedAgent = await startAgent({ PIDSCOPE_METRICS_AUTH: '1', PIDSCOPE_INTERVAL_MS: '1000' });
  await closedAgent.app.listen({ host: '127.0.0.1', port: 0 });
  const target = (a: TestAgent) => `127.0.0.1:${(a.app.server.address() as AddressInfo).port}`;
  prometheus = await startPrometheus(
    [
      { job: 'pidscope', target: target(agent) },
      { job: 'pidscope-token', target: target(closedAgent), token: TOKEN },
      { job: 'pidscope-no-token', target: target(closedAgent) },
    ],
    shortRules('1s'),
  );
}, 60_000);

afterAll(async () => {
  for (const id of demos) {
    await agent?.app.inject({ method: 'DELETE', url: `/api/v1/demos/${id}`, headers: auth });
    await removeContainersLabelled(`io.pidscope.demo-id=${id}`);
  }
  await prometheus?.stop();
  await agent?.close();
  await closedAgent?.close();
});

describe('a real Prometheus scraping a real agent, with the shipped rules', () => {
  it('scrapes OpenMetrics every second and loads every rule without error', async () => {
    const target = await waitFor(
      async () => {
        const { activeTargets } = await prometheus.query<{
          activeTargets: { health: string; lastError: string; labels: Record<string, string> }[];
        }>('/api/v1/targets');
        return activeTargets.find((t) => t.labels.job === 'pidscope' && t.health === 'up');
      },
      'the pidscope target up',
      30_000,
      250,
    );
    expect(target.lastError).toBe('');
    // Up on OpenMetrics answers: Prometheus parsed prom-client's OpenMetrics.
    expect([...asked]).toEqual(['openmetrics']);

    const { groups } = await prometheus.query<{
      groups: { rules: { name: string; health: string; lastError?: string }[] }[];
    }>('/api/v1/rules');
    const rules = groups.flatMap((g) => g.rules);
    expect(rules).toHaveLength(11);
    await waitFor(
      async () => {
        const { groups: now } = await prometheus.query<{
          groups: { rules: { health: string }[] }[];
        }>('/api/v1/rules');
        return now.flatMap((g) => g.rules).every((r) => r.health === 'ok');
      },
      'every rule evaluated without error',
      15_000,
      250,
    );
  });

  it('scrapes an agent with PIDSCOPE_METRICS_AUTH=1 with its token as a bearer, and is refused without', async () => {
    const health = async () => {
      const { activeTargets } = await prometheus.query<{
        activeTargets: { health: string; lastError: string; labels: Record<string, string> }[];
      }>('/api/v1/targets');
      return new Map(activeTargets.map((t) => [t.labels.job, t]));
    };
    const jobs = await waitFor(
      async () => {
        const now = await health();
        const seen = ['pidscope-token', 'pidscope-no-token'].every(
          (j) => now.get(j)?.health !== 'unknown',
        );
        return seen ? now : undefined;
      },
      'both scrapes of the closed agent done',
      30_000,
      250,
    );
    expect(jobs.get('pidscope-token')).toMatchObject({ health: 'up', lastError: '' });
    expect(jobs.get('pidscope-no-token')?.health).toBe('down');
    expect(jobs.get('pidscope-no-token')?.lastError).toContain('401');
  });

  it('fires PidscopeContainerForkFailures and PidscopeContainerPidsNearLimit for the pid-exhaustion demo', async () => {
    const since = Date.now();
    const demo = await startDemo('pid-exhaustion');
    const container = demo.containers[0] as { id: string; name: string };
    const [forks, near] = await Promise.all([
      firing('PidscopeContainerForkFailures', container.id, since),
      firing('PidscopeContainerPidsNearLimit', container.id, since),
    ]);
    expect(forks.labels).toMatchObject({ severity: 'critical', container_name: container.name });
    expect(forks.annotations.description).toMatch(
      new RegExp(
        `^Container ${container.name} \\(pidscope/busybox:local\\) on 127\\.0\\.0\\.1:\\d+ had [1-9]\\d* forks refused in the last 5 minutes at its pids limit of 32\\.$`,
      ),
    );
    expect(near.annotations.description).toContain(`holds 32 tasks of its limit of 32 (100%)`);
  }, 90_000);

  it('fires PidscopeContainerWithoutInitLeaks for the zombie demo without an init', async () => {
    const since = Date.now();
    const demo = await startDemo('zombie-no-init');
    const container = demo.containers[0] as { id: string; name: string };
    const leak = await firing('PidscopeContainerWithoutInitLeaks', container.id, since);
    expect(leak.labels).toMatchObject({ severity: 'warning', container_name: container.name });
    expect(leak.annotations.description).toMatch(
      new RegExp(
        `^Container ${container.name} \\(pidscope/busybox:local\\) on 127\\.0\\.0\\.1:\\d+ holds [1-9]\\d* zombies and its PID 1 does not reap`,
      ),
    );
  }, 90_000);

  it('answers every panel query and variable of the Grafana dashboard, with data while the demos run', async () => {
    const targets = DASHBOARD.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ panel: p.title, expr: expand(t.expr) })),
    );
    expect(targets.length).toBeGreaterThanOrEqual(15);
    const end = Date.now() / 1000;
    for (const { panel, expr } of targets) {
      const q = encodeURIComponent(expr);
      const instant = await prometheus
        .query<{ result: unknown[] }>(`/api/v1/query?query=${q}`)
        .catch((err: Error) => {
          throw new Error(`panel "${panel}": ${expr}: ${err.message}`);
        });
      expect(instant.result.length, `panel "${panel}" has data: ${expr}`).toBeGreaterThan(0);
      await prometheus
        .query(`/api/v1/query_range?query=${q}&start=${end - 120}&end=${end}&step=5`)
        .catch((err: Error) => {
          throw new Error(`panel "${panel}" over time: ${expr}: ${err.message}`);
        });
    }
    for (const v of DASHBOARD.templating.list.filter((v) => v.type === 'query')) {
      const m = /^label_values\((.+), (\w+)\)$/.exec(v.definition ?? '');
      expect(m, `variable ${v.name} is label_values(selector, label)`).not.toBeNull();
      const [, selector, label] = m as RegExpExecArray;
      const values = await prometheus.query<string[]>(
        `/api/v1/label/${label}/values?match[]=${encodeURIComponent(expand(selector as string))}`,
      );
      expect(values.length, `variable ${v.name} has values`).toBeGreaterThan(0);
    }
  });
});
