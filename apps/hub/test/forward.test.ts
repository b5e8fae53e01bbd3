// Agent routes through the hub, against a real agent reading this machine's /proc: reads,
// errors, the hub's own refusals, and a real signal audited on both sides.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, loadConfig } from '@pidscope/agent';
import type { HostsResponse, State } from '@pidscope/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HUB_TOKEN, readAudit, startHub, type TestHub, waitFor } from './support/hub.js';

const AGENT_TOKEN = 'agent-token-for-the-hub-0123';
/** Made in beforeAll: a file whose tests are all filtered out runs no hook to remove it. */
let dir = '';
let agent: FastifyInstance;
let hub: TestHub;
let id = '';

function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

async function call(
  path: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = init.token === undefined ? HUB_TOKEN : init.token;
  const res = await fetch(`${hub.origin}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pidscope-hub-forward-'));
  const config = loadConfig([], {
    PIDSCOPE_TOKEN: AGENT_TOKEN,
    PIDSCOPE_AUDIT_FILE: join(dir, 'agent-audit.jsonl'),
    PIDSCOPE_DATA_DIR: dir,
    PIDSCOPE_INTERVAL_MS: '250',
  });
  agent = await buildApp({ config: { ...config, webRoot: null } }, { pluginTimeout: 120_000 });
  await agent.listen({ host: '127.0.0.1', port: 0 });
  const { port } = agent.server.address() as AddressInfo;
  id = `127.0.0.1-${port}`;
  hub = await startHub([
    '--agents',
    `http://127.0.0.1:${port},http://127.0.0.1:1`,
    '--agent-token',
    AGENT_TOKEN,
    '--audit-file',
    join(dir, 'hub-audit.jsonl'),
  ]);
  await waitFor(async () => {
    const r = await hub.get<HostsResponse>('/api/v1/hosts');
    return r.body.hosts.find((h) => h.id === id)?.status === 'up';
  }, 'the agent up');
});

afterAll(async () => {
  await hub?.close();
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('forwarding', () => {
  test('agent reads answer through the hub: snapshot, one process, containers, events', async () => {
    const snap = await call(`/api/v1/hosts/${id}/snapshot`);
    expect(snap.status).toBe(200);
    const state = snap.body as unknown as State;
    const me = state.processes.find((p) => p.pid === process.pid);
    expect(me?.startTime).toBe(startTimeOf(process.pid));

    const one = await call(`/api/v1/hosts/${id}/processes/${process.pid}`);
    expect(one.status).toBe(200);
    expect((one.body.process as { pid: number }).pid).toBe(process.pid);
    expect((await call(`/api/v1/hosts/${id}/containers`)).body).toHaveProperty('docker');
    const events = await call(`/api/v1/hosts/${id}/events?since=0`);
    expect(events.body).toHaveProperty('events');
  });

  test('the agent’s own errors come back as it answered them', async () => {
    const bad = await call(`/api/v1/hosts/${id}/processes/0x10`);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('BAD_PID');
  });

  test('the hub refuses what no agent should see: no token, unknown host, host down, odd paths', async () => {
    expect((await call(`/api/v1/hosts/${id}/snapshot`, { token: null })).status).toBe(401);
    expect((await call('/api/v1/hosts', { token: 'wrong-token-000' })).status).toBe(401);
    const unknown = await call('/api/v1/hosts/nowhere-7070/snapshot');
    expect(unknown).toMatchObject({ status: 404, body: { code: 'HOST_NOT_FOUND' } });
    await waitFor(
      async () =>
        (await hub.get<HostsResponse>('/api/v1/hosts')).body.hosts.find(
          (h) => h.id === '127.0.0.1-1',
        )?.status === 'down',
      'the dead address down',
    );
    const down = await call('/api/v1/hosts/127.0.0.1-1/snapshot');
    expect(down.status).toBe(503);
    expect(down.body.message).toMatch(/^host 127.0.0.1-1 is down \(connection refused\)/);
    // Sent as written: fetch would resolve the dot segments itself.
    for (const path of ['..%2F..%2Fmetrics', 'processes/../../metrics', 'processes//1']) {
      const status = await new Promise<number>((resolve, reject) => {
        const url = new URL(hub.origin);
        request(
          {
            host: url.hostname,
            port: url.port,
            path: `/api/v1/hosts/${id}/${path}`,
            headers: { authorization: `Bearer ${HUB_TOKEN}` },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
          .on('error', reject)
          .end();
      });
      expect(status, path).toBe(400);
    }
  });

  test('a signal through the hub reaches the process, audited by the hub and by the agent', async () => {
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    try {
      const startTime = startTimeOf(pid);
      // The agent must have scanned it before it can be targeted.
      await waitFor(
        async () => (await call(`/api/v1/hosts/${id}/processes/${pid}`)).status === 200,
        'the agent to see the sleeper',
      );
      const res = await call(`/api/v1/hosts/${id}/processes/${pid}/signal`, {
        method: 'POST',
        body: { signal: 'SIGTERM', startTime },
      });
      expect(res.status).toBe(200);
      expect(await exited).toBe('SIGTERM');

      const hubLine = await waitFor(
        () => readAudit(join(dir, 'hub-audit.jsonl')).find((e) => e.target?.pid === pid),
        'the hub audit line',
      );
      expect(hubLine).toMatchObject({
        action: 'signal',
        actor: expect.stringMatching(/^bearer:[0-9a-f]{12}$/),
        remote: '127.0.0.1',
        target: { pid, startTime },
        signal: 'SIGTERM',
        status: 200,
        detail: { host: id, path: `/api/v1/processes/${pid}/signal` },
      });
      const agentLine = await waitFor(
        () => readAudit(join(dir, 'agent-audit.jsonl')).find((e) => e.target?.pid === pid),
        'the agent audit line',
      );
      expect(agentLine).toMatchObject({
        action: 'signal',
        target: { pid, startTime },
        status: 200,
        via: `hub ${hubLine.actor}`,
      });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
