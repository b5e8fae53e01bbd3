import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers/app.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
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
  it('prints the URL to open, serves it, and exits 0 on SIGTERM', async () => {
    const agent = start(['--port', '0', '--interval-ms', '500'], {
      PIDSCOPE_TOKEN: 'main-test-token',
    });
    try {
      const line = await waitFor(
        () =>
          /^pidscope listening on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=main-test-token)$/m.exec(
            agent.out(),
          ) ?? undefined,
        'the listening line',
        30_000,
      );
      const port = Number(line[2]);
      expect(port).toBeGreaterThan(0);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      await fetch(`http://127.0.0.1:${port}/?token=main-test-token`);
      // The token is only in the line meant for a person, never in the logs.
      expect(`${agent.out()}${agent.err()}`.split('main-test-token').length - 1).toBe(1);
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
