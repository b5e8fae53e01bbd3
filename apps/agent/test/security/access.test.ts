import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { startTimeOf } from '../actions/helpers.js';
import {
  AUTH,
  buildTestApp,
  inject,
  injectWS,
  TEST_TOKEN,
  useSharedApp,
  waitFor,
} from '../helpers/app.js';
import { tempDir } from '../helpers/tempDir.js';
import { isType, Recorder } from '../helpers/ws.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function sleeper(): { pid: number; startTime: number; child: ChildProcess } {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid as number;
  return { pid, startTime: startTimeOf(pid), child };
}

function webRoot(): string {
  const dir = tempDir('pidscope-web-');
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>pidscope</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

/** The cookie `/?token=` sets, as a browser would send it back. */
async function login(app: Awaited<ReturnType<typeof buildTestApp>>, token = TEST_TOKEN) {
  const res = await app.inject({ url: `/?token=${token}` });
  expect(res.statusCode).toBe(303);
  const setCookie = String(res.headers['set-cookie']);
  return setCookie.split(';')[0] as string;
}

/** Every route with the method it answers, and a body where it takes one. */
const ROUTES: { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: object }[] = [
  { method: 'GET', url: '/api/v1/snapshot' },
  { method: 'GET', url: '/api/v1/processes/1' },
  { method: 'GET', url: '/api/v1/containers' },
  { method: 'GET', url: '/api/v1/events' },
  { method: 'GET', url: '/api/v1/demos' },
  { method: 'GET', url: '/api/v1/audit' },
  { method: 'GET', url: '/api/v1/stream' },
  { method: 'GET', url: '/api/v1/nope' },
  {
    method: 'POST',
    url: '/api/v1/processes/1/signal',
    payload: { signal: 'SIGTERM', startTime: 1 },
  },
  { method: 'POST', url: '/api/v1/processes/1/reap', payload: { startTime: 1 } },
  { method: 'POST', url: '/api/v1/demos/host-zombie' },
  { method: 'DELETE', url: '/api/v1/demos/abc' },
  { method: 'GET', url: '/' },
  { method: 'GET', url: '/app.js' },
];

describe('Host allowlist', () => {
  it('refuses a foreign Host on REST, static files and the socket, before anything else', async () => {
    const app = await buildTestApp({ argv: ['--web-root', webRoot()] });
    for (const url of ['/api/v1/snapshot', '/', '/app.js', '/healthz', '/metrics']) {
      const res = await inject(app, { url, headers: { host: 'attacker.example:7070' } });
      expect(res.statusCode, url).toBe(403);
      expect(res.json()).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
      expect(res.body).not.toContain('"pid"');
    }
    await expect(
      injectWS(app, '/api/v1/stream', {
        headers: { host: 'attacker.example:7070', origin: 'http://attacker.example:7070' },
      }),
    ).rejects.toThrow(/403/);
  });

  it('answers localhost, 127.0.0.1 and [::1] on any port, the bound address and the allowed names', async () => {
    const app = await buildTestApp({
      argv: ['--host', '127.0.0.2', '--allowed-hosts', 'pidscope.internal,Node7:8443'],
    });
    for (const host of [
      'localhost',
      'localhost:1',
      '127.0.0.1:7070',
      '[::1]:7070',
      '127.0.0.2:9',
      'pidscope.internal:7070',
      'node7',
    ]) {
      expect(
        (await inject(app, { url: '/api/v1/containers', headers: { host } })).statusCode,
        host,
      ).toBe(200);
    }
    for (const host of ['127.0.0.3', 'pidscope.internal.evil', 'a b', 'localhost:x']) {
      expect((await inject(app, { url: '/healthz', headers: { host } })).statusCode, host).toBe(
        403,
      );
    }
  });

  it('is off with *', async () => {
    const app = await buildTestApp({ env: { PIDSCOPE_ALLOWED_HOSTS: '*' } });
    const res = await inject(app, { url: '/healthz', headers: { host: 'anything.example' } });
    expect(res.statusCode).toBe(200);
  });
});

describe('authentication', () => {
  const shared = useSharedApp(() => ({ argv: ['--web-root', webRoot()] }));

  it('refuses every route without credentials, or with a wrong token, with 401 and no data', async () => {
    const app = shared();
    for (const route of ROUTES) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-token-x' },
        { authorization: `Basic ${TEST_TOKEN}` },
      ]) {
        // A fresh address each time: this test is not about the failed-auth limit.
        const remoteAddress = `127.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
        const res = await app.inject({ ...route, headers, remoteAddress });
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(res.json(), route.url).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
        expect(res.headers['www-authenticate']).toContain('Bearer');
        expect(res.body).not.toMatch(/"pid"|"processes"|cmdline/);
      }
    }
  });

  it('refuses the socket before the upgrade', async () => {
    const app = shared();
    await expect(
      app.injectWS('/api/v1/stream', { headers: { host: 'localhost:80' } }),
    ).rejects.toThrow(/401/);
  });

  it('keeps /healthz open with no process data, and /metrics open by default', async () => {
    const app = shared();
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(200);
    expect(Object.keys(health.json()).sort()).toEqual([
      'docker',
      'lastScanAt',
      'recording',
      'seq',
      'signals',
      'signalsReason',
      'source',
      'sourceReason',
      'status',
    ]);
    // Whether history records, in a fixed phrase: no path, no process.
    expect(Object.keys(health.json().recording).sort()).toEqual(['reason', 'since', 'state']);
    const metrics = await app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).not.toMatch(/cmdline|comm=/);
  });

  it('serves the icons without credentials (a browser asks for them on the 401 page too)', async () => {
    const app = shared();
    const icon = await app.inject('/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toMatch(/image\/svg\+xml/);
    // Open means the icon files only, not another path that looks like one.
    expect((await app.inject('/favicon.svg/../app.js')).statusCode).toBe(401);
    expect((await app.inject('/favicon.png')).statusCode).toBe(401);
  });

  it('answers a browser without a session with a page that says where the URL is printed', async () => {
    const app = shared();
    const res = await app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('pidscope listening on');
  });

  it('needs the token for /metrics with PIDSCOPE_METRICS_AUTH=1', async () => {
    const app = await buildTestApp({ env: { PIDSCOPE_METRICS_AUTH: '1' } });
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    expect((await inject(app, '/metrics')).statusCode).toBe(200);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });
});

describe('session cookie', () => {
  const shared = useSharedApp(() => ({ argv: ['--web-root', webRoot()] }));

  it('/?token= answers 303 to the same URL without the token and sets an HttpOnly, SameSite=Strict cookie that is not the token', async () => {
    const app = shared();
    const res = await app.inject({ url: `/?pid=4&token=${TEST_TOKEN}&start=40` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/?pid=4&start=40');
    const cookie = String(res.headers['set-cookie']);
    const attrs = cookie.split(';').map((s) => s.trim());
    expect(attrs[0]).toMatch(/^pidscope_session=[A-Za-z0-9_.-]+$/);
    expect(attrs.slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);
    expect(cookie).not.toContain(TEST_TOKEN);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a wrong token gets the 401 page, and no cookie', async () => {
    const app = shared();
    const res = await app.inject({ url: '/?token=not-the-token', remoteAddress: '127.9.9.9' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('pidscope listening on');
  });

  it('the cookie alone serves the page, REST and the socket', async () => {
    const app = shared();
    const cookie = await login(app);
    const page = await app.inject({ url: '/', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>pidscope</title>');
    const snap = await app.inject({ url: '/api/v1/snapshot', headers: { cookie } });
    expect(snap.statusCode).toBe(200);
    expect(snap.json().processes.length).toBeGreaterThan(0);
    const rec = new Recorder();
    const ws = (await app.injectWS(
      '/api/v1/stream',
      { headers: { host: 'localhost:80', cookie, origin: 'http://localhost:80' } },
      { onInit: (w: WebSocket) => rec.attach(w) },
    )) as WebSocket;
    await rec.next(isType('snapshot'), 'a snapshot on the cookie');
    ws.terminate();
    // A tampered cookie is no session.
    const forged = `${cookie.slice(0, -2)}xx`;
    expect(
      (await app.inject({ url: '/api/v1/snapshot', headers: { cookie: forged } })).statusCode,
    ).toBe(401);
  });

  it('stays valid across a restart with the same token, not with another', async () => {
    const first = await buildTestApp();
    const cookie = await login(first);
    await first.close();
    const same = await buildTestApp();
    expect((await same.inject({ url: '/api/v1/containers', headers: { cookie } })).statusCode).toBe(
      200,
    );
    const other = await buildTestApp({ argv: ['--token', 'another-token-456'] });
    expect(
      (await other.inject({ url: '/api/v1/containers', headers: { cookie } })).statusCode,
    ).toBe(401);
  });
});

describe('cross-site writes', () => {
  it('a cookie-authenticated write needs this origin: 403 CROSS_SITE otherwise, and nothing happens', async () => {
    const app = await buildTestApp();
    const cookie = await login(app);
    const victim = sleeper();
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/processes/${victim.pid}/signal`,
        headers: { cookie, 'content-type': 'application/json', ...headers },
        payload: { signal: 'SIGKILL', startTime: victim.startTime },
      });
    const refused: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      {},
      { origin: 'http://localhost:80', 'sec-fetch-site': 'cross-site' },
      { origin: 'null' },
    ];
    for (const headers of refused) {
      const res = await post(headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().code).toBe('CROSS_SITE');
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(victim.child.exitCode).toBeNull();
    expect(victim.child.signalCode).toBeNull();
    // The socket too: a page of another site cannot open it with the cookie.
    await expect(
      app.injectWS('/api/v1/stream', {
        headers: { host: 'localhost:80', cookie, origin: 'https://evil.example' },
      }),
    ).rejects.toThrow(/403/);

    const same = await post({ origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' });
    expect(same.statusCode).toBe(200);
    await waitFor(() => victim.child.signalCode === 'SIGKILL', 'the signal from this origin');
    // Bearer clients (scripts, curl) send no Origin and need none.
    const bearer = await app.inject({
      method: 'POST',
      url: '/api/v1/processes/1/signal?dryRun=1',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: { signal: 'SIGTERM', startTime: 1 },
    });
    expect(bearer.statusCode).not.toBe(403);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After after 10 failed authentications from one address; a valid token still works', async () => {
    const app = await buildTestApp();
    const remoteAddress = '127.0.0.77';
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({
        url: '/api/v1/snapshot',
        remoteAddress,
        headers: { authorization: `Bearer guess-${i}-xxxxx` },
      });
      expect(res.statusCode).toBe(401);
    }
    const limited = await app.inject({
      url: '/api/v1/snapshot',
      remoteAddress,
      headers: { authorization: 'Bearer guess-11-xxxxx' },
    });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const page = await app.inject({ url: '/?token=guess-12-xxxx', remoteAddress });
    expect(page.statusCode).toBe(429);
    // Reads with valid credentials are not throttled, even from that address.
    for (let i = 0; i < 30; i++) {
      expect((await inject(app, { url: '/api/v1/containers', remoteAddress })).statusCode).toBe(
        200,
      );
    }
    expect(
      (await app.inject({ url: '/api/v1/snapshot', remoteAddress: '127.0.0.78' })).statusCode,
    ).toBe(401);
  });

  it('limits actions and demo starts per session: 429 past 60 a minute', async () => {
    const app = await buildTestApp();
    const cookie = await login(app);
    const write = (c: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/processes/1/signal?dryRun=1',
        headers: { cookie: c, origin: 'http://localhost:80', 'content-type': 'application/json' },
        payload: { signal: 'SIGTERM', startTime: 1 },
      });
    for (let i = 0; i < 60; i++) expect((await write(cookie)).statusCode).not.toBe(429);
    const limited = await write(cookie);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another session is not held back by this one.
    expect((await write(await login(app))).statusCode).not.toBe(429);
    // Reads on the limited session are not throttled.
    expect((await app.inject({ url: '/api/v1/containers', headers: { cookie } })).statusCode).toBe(
      200,
    );
  });
});

describe('audit under a flood of refusals', () => {
  it('300 unauthenticated POSTs do not push a real entry out: they are counted, not written', async () => {
    const dir = tempDir('pidscope-audit-');
    const auditFile = join(dir, 'audit.jsonl');
    const app = await buildTestApp({ argv: ['--audit-file', auditFile] });
    const real = await inject(app, {
      method: 'POST',
      url: '/api/v1/processes/1/signal',
      headers: { 'content-type': 'application/json' },
      payload: { signal: 'SIGTERM', startTime: 1 },
    });
    expect(real.statusCode).toBe(409);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/processes/1/signal',
          remoteAddress: `127.1.${i >> 8}.${i & 255}`,
          payload: {},
        }),
      ),
    );
    const audit = (await inject(app, '/api/v1/audit?limit=1')).json();
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({ action: 'signal', status: 409, target: { pid: 1 } });
    expect(audit.refused.byCode.UNAUTHENTICATED).toBe(300);
    await app.close();
    // On close the pending refusals become one summary line.
    const lines = readFileSync(auditFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] as string)).toMatchObject({
      action: 'refused',
      detail: { byCode: { UNAUTHENTICATED: 300 } },
    });
  });
});

describe('headers', () => {
  const shared = useSharedApp(() => ({ argv: ['--web-root', webRoot()] }));

  it('every response, refusals included, carries the strict CSP and the other security headers', async () => {
    const app = shared();
    const responses = [
      await inject(app, '/'),
      await inject(app, '/app.js'),
      await inject(app, '/api/v1/containers'),
      await app.inject('/api/v1/snapshot'),
      await app.inject({ url: '/healthz', headers: { host: 'evil.example' } }),
      await inject(app, '/api/v1/nope'),
      await app.inject('/healthz'),
    ];
    for (const res of responses) {
      const csp = String(res.headers['content-security-policy']);
      const directives = new Map(
        csp.split(';').map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name, values.join(' ')] as const;
        }),
      );
      expect(directives.get('default-src')).toBe("'self'");
      expect(directives.get('script-src')).toBe("'self'");
      expect(directives.get('connect-src')).toBe("'self'");
      expect(directives.get('frame-ancestors')).toBe("'none'");
      expect(directives.get('object-src')).toBe("'none'");
      expect(directives.get('base-uri')).toBe("'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers).toMatchObject({
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
      });
      // Plain HTTP: no HSTS (it would pin a loopback name to HTTPS).
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });
});

describe('every /api/ path is the API', () => {
  const shared = useSharedApp(() => ({ argv: ['--web-root', webRoot()] }));

  it('answers odd paths with the API JSON errors, never echoing long input', async () => {
    const app = shared();
    const doubled = await inject(app, '/api/v1//snapshot');
    expect(doubled.statusCode).toBe(404);
    expect(doubled.json().code).toMatch(/NOT_FOUND$/);
    const long = `/api/v1/${'x'.repeat(8000)}`;
    const res = await inject(app, long);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.length).toBeLessThan(600);
    const plain = await inject(app, '/api/v1/stream');
    expect(plain.statusCode).toBe(426);
    expect(plain.json().code).toBe('UPGRADE_REQUIRED');
    const post = await inject(app, { method: 'POST', url: '/api/v1/snapshot/../audit' });
    expect(post.statusCode).toBe(404);
    expect(post.headers['content-type']).toMatch(/application\/json/);
  });
});
