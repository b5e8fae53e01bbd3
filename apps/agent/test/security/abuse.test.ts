// A real agent process under the abuse a hostile or broken client can do: resync floods (reading
// or not), malformed frames, and what ends up in its logs.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloseCode } from '@pidscope/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitFor } from '../helpers/app.js';
import { tempDir } from '../helpers/tempDir.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const TOKEN = 'abuse-test-token-0123';

interface Agent {
  child: ChildProcess;
  port: number;
  output: () => string;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function startAgent(args: string[] = [], env: Record<string, string> = {}): Promise<Agent> {
  const dir = tempDir('pidscope-abuse-');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', ...args], {
    env: {
      ...process.env,
      PIDSCOPE_TOKEN: TOKEN,
      PIDSCOPE_AUDIT_FILE: join(dir, 'audit.jsonl'),
      PIDSCOPE_DATA_DIR: dir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const m = await waitFor(
    () => /pidscope listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out) ?? undefined,
    'the listening line',
    30_000,
  );
  return { child, port: Number(m[1]), output: () => out };
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

function connect(agent: Agent, token = TOKEN) {
  const ws = new WebSocket(`ws://127.0.0.1:${agent.port}/api/v1/stream`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const seen = { snapshots: 0, messages: 0, closed: null as number | null };
  ws.on('message', (data) => {
    seen.messages++;
    if (String(data).startsWith('{"type":"snapshot"')) seen.snapshots++;
  });
  ws.on('close', (code) => {
    seen.closed = code;
  });
  return { ws, seen };
}

/** 1,000 resyncs within about a second. */
async function flood(ws: WebSocket): Promise<void> {
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 100 && ws.readyState === ws.OPEN; j++) ws.send('{"type":"resync"}');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('resync flood', () => {
  it('a client sending 1,000 resyncs a second, reading or not, gets a few snapshots, is closed with 1008, and the agent stays within its bound', async () => {
    const agent = await startAgent();
    const pid = agent.child.pid as number;
    // Warm up: one ordinary client, so the baseline includes a snapshot's worth of work.
    const warm = connect(agent);
    await waitFor(() => warm.seen.snapshots === 1, 'the first snapshot');
    warm.ws.close();
    await new Promise((r) => setTimeout(r, 500));
    const before = rssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(pid));
    }, 20);

    try {
      const reader = connect(agent);
      await waitFor(() => reader.seen.snapshots === 1, 'the reader’s first snapshot');
      await flood(reader.ws);
      await waitFor(() => reader.seen.closed, 'the reader to be closed');
      expect(reader.seen.closed).toBe(CloseCode.PolicyViolation);
      expect(reader.seen.snapshots).toBeLessThanOrEqual(3);

      const stalled = connect(agent);
      await waitFor(() => stalled.seen.snapshots === 1, 'the stalled client’s first snapshot');
      // Stops reading: what the agent sends now stays queued on its side.
      (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      await flood(stalled.ws);
      // The agent dropped it: /healthz still answers, and it no longer counts the client.
      await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${agent.port}/metrics`);
        return /^pidscope_ws_clients 0$/m.test(await res.text());
      }, 'the stalled client to be dropped');
      stalled.ws.terminate();
    } finally {
      clearInterval(sampler);
    }
    const grown = peak - before;
    // [T8]: a client that keeps asking costs at most the high-water mark (4 MiB) plus one
    // snapshot; the rest is garbage the collector has not taken yet.
    console.log(
      `resync flood: RSS ${before.toFixed(1)} MiB before, peak ${peak.toFixed(1)} MiB (+${grown.toFixed(1)})`,
    );
    expect(grown).toBeLessThan(48);
    expect((await fetch(`http://127.0.0.1:${agent.port}/healthz`)).status).toBe(200);
  }, 60_000);
});

describe('the agent’s logs and state', () => {
  it('never show the token given by flag or env, and client errors are info lines without stacks', async () => {
    const dir = tempDir('pidscope-abuse-flag-');
    const audit = join(dir, 'audit.jsonl');
    writeFileSync(audit, '');
    const flagToken = 'flag-token-abcdef123';
    const agent = await startAgent(['--token', flagToken, '--audit-file', audit], {
      PIDSCOPE_TOKEN: '',
    });
    const auth = { authorization: `Bearer ${flagToken}` };
    const snapshot = await (
      await fetch(`http://127.0.0.1:${agent.port}/api/v1/snapshot`, { headers: auth })
    ).text();
    // The agent's own argv holds the token, and the snapshot shows the agent: masked.
    expect(snapshot).toContain('--token');
    expect(snapshot).not.toContain(flagToken);
    await fetch(`http://127.0.0.1:${agent.port}/api/v1/processes/1/signal?dryRun=1`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ signal: 'SIGTERM', startTime: 1 }),
    });
    await fetch(`http://127.0.0.1:${agent.port}/?token=${flagToken}`, { redirect: 'manual' });

    // A frame that is not UTF-8, and one too big: each closes its client, logged at info.
    for (const frame of [Buffer.from([0xff, 0xfe, 0xfd]), Buffer.alloc(70_000, 0x61)]) {
      const { ws, seen } = connect(agent, flagToken);
      await new Promise((r) => ws.once('open', r));
      ws.send(frame, { binary: false });
      await waitFor(() => seen.closed, 'the bad client to be closed');
    }
    agent.child.kill('SIGTERM');
    await waitFor(() => agent.child.exitCode !== null, 'the agent to stop');

    const log = agent.output();
    expect(log).not.toContain(flagToken);
    expect(readFileSync(audit, 'utf8')).not.toContain(flagToken);
    const lines = log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown });
    const clientLines = lines.filter((l) => l.msg.includes('stream client'));
    expect(clientLines.length).toBeGreaterThanOrEqual(2);
    for (const l of clientLines) {
      expect(l.level).toBeLessThanOrEqual(30);
      expect(JSON.stringify(l)).not.toMatch(/\n\s+at /);
    }
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  }, 60_000);

  it('a proc root that is not procfs stops the start with a pidscope: message and exit 2', async () => {
    const dir = tempDir('pidscope-not-proc-');
    writeFileSync(join(dir, 'stat'), 'cpu 1 2 3\n');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--port', '0', '--proc-root', dir],
      {
        env: {
          ...process.env,
          PIDSCOPE_TOKEN: TOKEN,
          PIDSCOPE_DATA_DIR: tempDir('pidscope-data-'),
          PIDSCOPE_AUDIT_FILE: '/dev/null',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.push(child);
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/^pidscope: .*cannot be scanned \(is it a procfs mount\?\)/m);
    expect(err).not.toMatch(/\n\s+at /);
  }, 60_000);
});
