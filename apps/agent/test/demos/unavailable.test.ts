import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { auth, startAgent, stateOf, type TestAgent, TOKEN, waitFor } from '../actions/helpers.js';

const agents: TestAgent[] = [];

afterAll(async () => {
  for (const a of agents) await a.close();
});

describe('demos without Docker', () => {
  it('answer 503 with a clear message; host-zombie still works', async () => {
    const a = await startAgent({ DOCKER_HOST: 'unix:///nonexistent/pidscope-test-docker.sock' });
    agents.push(a);
    const list = await a.app.inject({ method: 'GET', url: '/api/v1/demos', headers: auth });
    const demos = list.json().demos as {
      name: string;
      available: boolean;
      reason: string | null;
    }[];
    const sub = demos.find((d) => d.name === 'subreaper');
    expect(sub?.available).toBe(false);
    expect(sub?.reason).toContain('needs Docker');
    expect(demos.find((d) => d.name === 'host-zombie')?.available).toBe(true);

    const res = await a.app.inject({
      method: 'POST',
      url: '/api/v1/demos/zombie-no-init',
      headers: auth,
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('DOCKER_UNAVAILABLE');
    expect(res.json().message).toContain('needs Docker');

    const host = await a.app.inject({
      method: 'POST',
      url: '/api/v1/demos/host-zombie',
      headers: auth,
    });
    expect(host.statusCode).toBe(200);
    const pid = host.json().pids[0] as number;
    await waitFor('the host demo process', () => stateOf(pid) !== null);
    const stop = await a.app.inject({
      method: 'DELETE',
      url: `/api/v1/demos/${host.json().id}`,
      headers: auth,
    });
    expect(stop.statusCode).toBe(200);
  }, 90_000);
});

describe('read-only agent', () => {
  it('refuses to start or stop demos with 403', async () => {
    const a = await startAgent({ PIDSCOPE_READ_ONLY: '1' });
    agents.push(a);
    const start = await a.app.inject({
      method: 'POST',
      url: '/api/v1/demos/host-zombie',
      headers: auth,
    });
    expect(start.statusCode).toBe(403);
    expect(start.json().code).toBe('READ_ONLY');
    expect(a.app.demos.running()).toEqual([]);
    const stop = await a.app.inject({ method: 'DELETE', url: '/api/v1/demos/abc', headers: auth });
    expect(stop.statusCode).toBe(403);
    const list = await a.app.inject({ method: 'GET', url: '/api/v1/demos', headers: auth });
    expect(list.json().readOnly).toBe(true);
  }, 90_000);
});

describe('logs', () => {
  it('never contain the token, whatever the request', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'pidscope-logs-'));
    const config = loadConfig([], {
      PIDSCOPE_TOKEN: TOKEN,
      PIDSCOPE_AUDIT_FILE: join(dir, 'audit.jsonl'),
      PIDSCOPE_DATA_DIR: dir,
    });
    const app = await buildApp(
      { config },
      { logger: { level: 'trace', stream: sink }, pluginTimeout: 120_000 },
    );
    try {
      await app.ready();
      const headers = { ...auth, 'content-type': 'application/json' };
      await app.inject({
        method: 'POST',
        url: '/api/v1/processes/1/signal',
        headers,
        payload: '{"signal":',
      });
      await app.inject({
        method: 'POST',
        url: '/api/v1/processes/1/signal',
        headers,
        payload: { signal: 'SIGTERM', startTime: 1 },
      });
      await app.inject({ method: 'GET', url: '/api/v1/audit', headers });
      await app.inject({
        method: 'POST',
        url: '/api/v1/demos/nope',
        headers: { authorization: `Bearer ${TOKEN}-wrong` },
      });
      expect(logged.length).toBeGreaterThan(0);
      expect(logged).toContain('/api/v1/processes/1/signal');
      expect(logged).not.toContain(TOKEN);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
