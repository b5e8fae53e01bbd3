import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitFor } from './helpers/app.js';
import { tempDir } from './helpers/tempDir.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
function start(args: string[], env: Record<string, string> = {}) {
  const dataDir = tempDir('pidscope-main-');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: {
      ...process.env,
      PIDSCOPE_DATA_DIR: dataDir,
      PIDSCOPE_AUDIT_FILE: join(dataDir, 'audit.jsonl'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('main', () => {
  it('prints the URL to open without a token it was given, serves it, and exits 0 on SIGTERM', async () => {
    const agent = start(['--port', '0', '--interval-ms', '500'], {
      PIDSCOPE_TOKEN: 'main-test-token',
    });
    try {
      const line = await waitFor(
        () =>
          /^pidscope listening on (http:\/\/127\.0\.0\.1:(\d+)\/) \(open it with \?token=/m.exec(
            agent.out(),
          ) ?? undefined,
        'the listening line',
        30_000,
      );
      const port = Number(line[2]);
      expect(port).toBeGreaterThan(0);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const page = await fetch(`http://127.0.0.1:${port}/?token=main-test-token`, {
        redirect: 'manual',
      });
      expect(page.status).toBe(303);
      // The operator knows the token: it is in neither the printed line nor the logs.
      expect(`${agent.out()}${agent.err()}`).not.toContain('main-test-token');
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  });

  it('prints a token it generated, once, in the URL to open', async () => {
    const agent = start(['--port', '0', '--interval-ms', '500'], { PIDSCOPE_TOKEN: '' });
    try {
      const line = await waitFor(
        () =>
          /^pidscope listening on http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{32})$/m.exec(
            agent.out(),
          ) ?? undefined,
        'the listening line',
        30_000,
      );
      const token = line[2] as string;
      const snapshot = await fetch(`http://127.0.0.1:${line[1]}/api/v1/snapshot`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(snapshot.status).toBe(200);
      expect(`${agent.out()}${agent.err()}`.split(token).length - 1).toBe(1);
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  });

  it('refuses to start on an invalid setting, naming it', async () => {
    const agent = start([], { PIDSCOPE_PORT: 'abc' });
    expect(await agent.exited).toBe(2);
    expect(agent.err()).toContain('PIDSCOPE_PORT: "abc" is not a port (0-65535)');
    expect(agent.out()).toBe('');
  });
});

describe('main with TLS', () => {
  it('serves HTTPS and WSS with PIDSCOPE_TLS_CERT/KEY, and a Secure session cookie', async () => {
    const dir = tempDir('pidscope-tls-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const ca = readFileSync(cert);
    const agent = start(['--port', '0', '--interval-ms', '500'], {
      PIDSCOPE_TOKEN: 'tls-test-token',
      PIDSCOPE_TLS_CERT: cert,
      PIDSCOPE_TLS_KEY: key,
    });
    try {
      const line = await waitFor(
        () =>
          /^pidscope listening on https:\/\/127\.0\.0\.1:(\d+)\/ /m.exec(agent.out()) ?? undefined,
        'the listening line',
        30_000,
      );
      const port = Number(line[1]);
      const get = (path: string, headers: Record<string, string> = {}) =>
        new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
          (resolve, reject) => {
            httpsGet({ host: '127.0.0.1', port, path, ca, headers }, (res) => {
              let body = '';
              res.on('data', (d) => {
                body += d;
              });
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
              );
            }).on('error', reject);
          },
        );
      expect((await get('/healthz')).status).toBe(200);
      const login = await get('/?token=tls-test-token');
      expect(login.status).toBe(303);
      expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
      const ws = new WebSocket(`wss://127.0.0.1:${port}/api/v1/stream`, {
        ca,
        headers: { authorization: 'Bearer tls-test-token' },
      });
      const first = await new Promise<string>((resolve, reject) => {
        ws.once('message', (d) => resolve(String(d)));
        ws.once('error', reject);
      });
      expect(JSON.parse(first).type).toBe('hello');
      ws.terminate();
      // Plain HTTP on the same port is not served.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  });

  it('refuses to start on a non-loopback address without TLS, saying how to go on', async () => {
    const agent = start(['--host', '0.0.0.0', '--port', '0'], { PIDSCOPE_TOKEN: 'some-token-1' });
    expect(await agent.exited).toBe(2);
    expect(agent.err()).toMatch(
      /^pidscope: PIDSCOPE_HOST|^pidscope: --host: "0\.0\.0\.0" is not a loopback address/m,
    );
    expect(agent.err()).toContain('PIDSCOPE_INSECURE=1');
  });
});
