import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, ErrorBody } from '@pidscope/protocol';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { AUTH, buildTestApp, inject, useSharedApp } from '../helpers/app.js';
import { tempDir } from '../helpers/tempDir.js';

const shared = useSharedApp();

describe('GET /healthz', () => {
  it('answers ok with the Docker status and the current seq', async () => {
    const app = shared();
    const res = await inject(app, '/healthz');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.seq).toBeGreaterThanOrEqual(1);
    expect(typeof body.docker.available).toBe('boolean');
  });
});

describe('GET /api/v1/snapshot', () => {
  it('holds the host, Docker status, containers and every process including this one', async () => {
    const app = shared();
    const res = await inject(app, '/api/v1/snapshot');
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s.host.pidMax).toBeGreaterThan(300);
    expect(s.host.threadsMax).toBeGreaterThan(0);
    expect(s.host.tasks).toBeGreaterThan(0);
    expect(s.host.headroom).toBeLessThan(s.host.pidMax);
    expect(Array.isArray(s.containers)).toBe(true);
    const me = s.processes.find((p: { pid: number }) => p.pid === process.pid);
    expect(me).toMatchObject({ pid: process.pid, ppid: process.ppid, kernelThread: false });
    expect(me.nsPids[0]).toBe(process.pid);
    const init = s.processes.find((p: { pid: number }) => p.pid === 1);
    expect(init).toBeDefined();
  });
});

describe('GET /api/v1/processes/:pid', () => {
  it('answers a process with its parent, children and no zombie analysis', async () => {
    const app = shared();
    const res = await inject(app, `/api/v1/processes/${process.ppid}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.process.pid).toBe(process.ppid);
    expect(body.children.map((c: { pid: number }) => c.pid)).toContain(process.pid);
    expect(body.analysis).toBeNull();
    expect(body.workqueue).toBeNull();
  });

  it('names a kernel worker by its stable part, and says in its details which workqueue it serves', async () => {
    const app = shared();
    const workers = app.model
      .state()
      .processes.filter((p) => p.kernelThread && /^kworker\/u?\d+:\d+H?$/.test(p.comm));
    expect(workers.length).toBeGreaterThan(0);
    // The stream never carries the workqueue; details read it now (a worker idle since boot has none).
    const answers = await Promise.all(
      workers.map(async (w) => (await inject(app, `/api/v1/processes/${w.pid}`)).json()),
    );
    const named = answers.filter((a) => a.workqueue !== null);
    expect(named.length).toBeGreaterThan(0);
    for (const a of named) {
      expect(a.workqueue).toMatch(/^\+?[^\s]+$/);
      expect(a.process.comm).not.toContain(a.workqueue.replace(/^\+/, ''));
    }
  });

  it.each([['abc'], ['0'], ['-1'], ['1.5'], ['99999999'], ['1e3']])(
    'answers 400 with a message for pid %j',
    async (pid) => {
      const app = shared();
      const res = await inject(app, `/api/v1/processes/${encodeURIComponent(pid)}`);
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.error).toBe('Bad Request');
      expect(body.message).toMatch(/pid/);
      expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
    },
  );

  it('answers 404 for a PID no process has', async () => {
    const app = shared();
    // Above this machine's pid_max (32768) but a valid PID number: never allocated.
    const res = await inject(app, '/api/v1/processes/4000000');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      code: 'NO_SUCH_PROCESS',
      message: 'no process with PID 4000000',
    });
  });
});

describe('GET /api/v1/containers', () => {
  it('lists containers with the Docker status', async () => {
    const app = shared();
    const res = await inject(app, '/api/v1/containers');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Array.isArray(body.containers)).toBe(true);
    expect(body.docker).toHaveProperty('available');
  });
});

describe('GET /api/v1/events', () => {
  it('answers the ring since a time, with the agent clock', async () => {
    const app = shared();
    const before = Date.now();
    const res = await inject(app, `/api/v1/events?since=${before}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.now).toBeGreaterThanOrEqual(before);
    for (const e of body.events) expect(e.at).toBeGreaterThanOrEqual(before);
  });

  it.each([['abc'], ['-5'], ['1.5']])('answers 400 for since=%j', async (since) => {
    const app = shared();
    const res = await inject(app, `/api/v1/events?since=${since}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/since/);
  });
});

describe('errors', () => {
  const isErrorBody = Compile(ErrorBody);

  it("[R1] every error answer is an ErrorBody whose status is the catalogue's", async () => {
    const app = shared();
    const answers = await Promise.all([
      inject(app, '/api/v1/nope'),
      inject(app, '/api/v1/processes/abc'),
      inject(app, '/api/v1/processes/4000000'),
      inject(app, '/api/v1/events?since=-5'),
      app.inject({ url: '/api/v1/snapshot', headers: { host: 'localhost' } }),
      app.inject({ url: '/api/v1/snapshot', headers: { ...AUTH, host: 'rebound.example' } }),
      inject(app, {
        method: 'POST',
        url: '/api/v1/processes/4000000/signal',
        payload: { signal: 'SIGKILL', startTime: 1 },
      }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([404, 400, 404, 400, 401, 403, 404]);
    for (const res of answers) {
      const body = res.json();
      expect(isErrorBody.Check(body), res.body).toBe(true);
      expect(body.statusCode).toBe(ERRORS[body.code as keyof typeof ERRORS]);
      expect(body.statusCode).toBe(res.statusCode);
    }
  });

  it('[R3] a body it cannot read is a client error with a catalogued code', async () => {
    const app = shared();
    const post = (payload: string, contentType = 'application/json') =>
      inject(app, {
        method: 'POST',
        url: '/api/v1/processes/4000000/signal',
        headers: { 'content-type': contentType },
        payload,
      });
    const notJson = await post('{"signal": "SIGKILL", startTime');
    expect([notJson.statusCode, notJson.json().code]).toEqual([400, 'BAD_BODY']);
    const empty = await post('');
    expect([empty.statusCode, empty.json().code]).toEqual([400, 'BAD_BODY']);
    const huge = await post(JSON.stringify({ signal: 'SIGKILL', pad: 'x'.repeat(1_100_000) }));
    expect([huge.statusCode, huge.json().code]).toEqual([413, 'BODY_TOO_LARGE']);
    const text = await post('signal=SIGKILL', 'application/x-www-form-urlencoded');
    expect([text.statusCode, text.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const badUrl = await inject(app, '/api/v1/processes/%E0%A4%A');
    expect([badUrl.statusCode, badUrl.json().code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('[R2] a catalogued 5xx says what failed in its own words, not what its cause said', async () => {
    const app = await buildTestApp({
      before: (a) =>
        a.get('/docker-down', async () => {
          throw new AgentError('DOCKER_FAILED', 'Docker could not restart container x', undefined, {
            cause: new Error('secret answer from the daemon'),
          });
        }),
    });
    const res = await inject(app, '/docker-down');
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({
      statusCode: 502,
      code: 'DOCKER_FAILED',
      error: 'Bad Gateway',
      message: 'Docker could not restart container x',
    });
  });

  it('[R2] never leaks a 5xx message or stack', async () => {
    const app = await buildTestApp({
      before: (a) =>
        a.get('/boom', async () => {
          throw new Error('secret database password in /etc/shadow');
        }),
    });
    const res = await inject(app, '/boom');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      statusCode: 500,
      code: 'INTERNAL',
      error: 'Internal Server Error',
      message: 'internal error',
    });
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const app = shared();
    const res = await inject(app, { url: '/api/v1/nope', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe('no route GET /api/v1/nope');
  });
});

describe('web UI', () => {
  it('explains that the UI is not built when there is no build', async () => {
    const app = shared();
    const res = await inject(app, '/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(/web UI is not built/);
  });

  it('serves the build at / and falls back to index.html for app routes', async () => {
    const dir = tempDir('pidscope-web-');
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>pidscope</title>');
    writeFileSync(join(dir, 'app.js'), 'console.log(1)');
    const app = await buildTestApp({ argv: ['--web-root', dir] });
    const index = await inject(app, '/');
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>pidscope</title>');
    const asset = await inject(app, '/app.js');
    expect(asset.body).toBe('console.log(1)');
    const deep = await inject(app, { url: '/processes/1', headers: { accept: 'text/html' } });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>pidscope</title>');
    const missingAsset = await inject(app, { url: '/missing.js', headers: { accept: '*/*' } });
    expect(missingAsset.statusCode).toBe(404);
  });
});

describe('GET /metrics', () => {
  it('exposes Prometheus text with processes by state, headroom and the scan histogram', async () => {
    const app = shared();
    const res = await inject(app, '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.vary).toBe('Accept');
    const text = res.body;
    expect(text).toMatch(/^pidscope_host_processes\{state="S"\} [1-9]\d*$/m);
    expect(text).toMatch(/^pidscope_host_zombies \d+$/m);
    expect(text).toMatch(/^pidscope_host_pid_max \d+$/m);
    expect(text).toMatch(/^pidscope_host_threads_max \d+$/m);
    expect(text).toMatch(/^pidscope_host_tasks [1-9]\d*$/m);
    expect(text).toMatch(/^pidscope_host_pid_headroom -?\d+$/m);
    expect(text).toMatch(/^pidscope_host_forks_total [1-9]\d*$/m);
    expect(text).toMatch(/^# TYPE pidscope_scan_duration_seconds histogram$/m);
    expect(text).toMatch(/^pidscope_scan_duration_seconds_count [1-9]\d*$/m);
    expect(text).toMatch(/^pidscope_ws_clients 0$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds [\d.e-]+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
  });

  it('answers OpenMetrics to a scraper that asks for it, as Prometheus does', async () => {
    const app = shared();
    const res = await app.inject({
      url: '/metrics',
      headers: {
        accept:
          'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    expect(res.body).toContain('\n# TYPE pidscope_host_forks counter\n');
    expect(res.body).toMatch(/^pidscope_host_forks_total [1-9]\d*$/m);
    expect(res.body.endsWith('\n# EOF\n')).toBe(true);
  });
});
