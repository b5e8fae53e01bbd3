import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Process } from '@pidscope/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/app.js';
import { childrenOf } from '../helpers/proc.js';
import { persistentMismatches } from '../helpers/reference.js';
import { tempDir } from '../helpers/tempDir.js';

// The agent where the event source cannot run: it polls, says why, and is as right as ever.
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const PROBE = fileURLToPath(
  new URL('../../../../packages/procfs/test/support/connectorProbe.ts', import.meta.url),
);
const TOKEN = 'fallback-test-token';

const agents: { child: ChildProcess; agentPid: () => number }[] = [];
afterEach(async () => {
  for (const { child, agentPid } of agents.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(agentPid(), 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
});

interface Running {
  /** The agent's host PID. */
  pid: number;
  /** GET inside the agent's own network namespace. */
  get: (path: string) => Promise<unknown>;
}

/**
 * Starts the agent under `wrapper` (unshare, capsh), which execs it unless `forks` (then the
 * agent is the wrapper's child), and waits for its URL.
 */
async function startUnder(wrapper: string[], forks = false): Promise<Running> {
  const child = spawn(
    wrapper[0] as string,
    [...wrapper.slice(1), process.execPath, '--import', 'tsx', MAIN, '--port', '0'],
    {
      env: {
        ...process.env,
        PIDSCOPE_TOKEN: TOKEN,
        PIDSCOPE_AUDIT_FILE: '/dev/null',
        PIDSCOPE_DATA_DIR: tempDir('pidscope-data-'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const agentPid = () =>
    forks ? (childrenOf(child.pid as number)[0] ?? -1) : (child.pid as number);
  agents.push({ child, agentPid });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  const port = await waitFor(
    () => /pidscope listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1],
    'the agent to listen',
    30_000,
  );
  const pid = agentPid();
  const get = async (path: string) => {
    const script = `fetch('http://127.0.0.1:${port}${path}', { headers: { authorization: 'Bearer ${TOKEN}' } }).then((r) => r.text()).then((t) => process.stdout.write(t))`;
    const text = execFileSync(
      'nsenter',
      ['--target', String(pid), '--net', process.execPath, '-e', script],
      { encoding: 'utf8' },
    );
    return JSON.parse(text);
  };
  return { pid, get };
}

const processesOf = async (agent: Running) =>
  ((await agent.get('/api/v1/snapshot')) as { processes: Process[] }).processes;

describe('live: the agent without the event source', () => {
  it('in another network namespace: polls, says why, and holds /proc exactly', async () => {
    // A new network namespace has its loopback down: bring it up for the agent's listener.
    const agent = await startUnder([
      'unshare',
      '--net',
      'sh',
      '-c',
      'ip link set lo up && exec "$@"',
      'agent',
    ]);
    const health = (await agent.get('/healthz')) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', source: 'polling', signals: 'pidfd' });
    expect(health.sourceReason).toMatch(/no proc connector in this network namespace/);
    const state = (await agent.get('/api/v1/snapshot')) as { host: Record<string, unknown> };
    expect(state.host).toMatchObject({ source: 'polling', sourceReason: health.sourceReason });
    const { mismatches, compared } = await persistentMismatches(() => processesOf(agent));
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(10);
  });

  it('in another PID namespace: polls, says why', async () => {
    const agent = await startUnder(['unshare', '--pid', '--fork', '--kill-child'], true);
    const health = (await agent.get('/healthz')) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', source: 'polling' });
    expect(health.sourceReason).toMatch(/another PID namespace/);
  });

  it('asked to poll (PIDSCOPE_SOURCE=polling): polls where events could run, and says so', async () => {
    const agent = await startUnder(['env', 'PIDSCOPE_SOURCE=polling']);
    const health = (await agent.get('/healthz')) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', source: 'polling' });
    expect(health.sourceReason).toMatch(/PIDSCOPE_SOURCE=polling/);
  });

  it('without CAP_NET_ADMIN: runs the source the kernel allows, says so, and holds /proc exactly', async () => {
    const wrapper = ['capsh', '--drop=cap_net_admin', '--', '-c', 'exec "$@"', 'agent'];
    // What this kernel allows a listener without the capability, asked independently.
    const probe = JSON.parse(
      execFileSync(
        wrapper[0] as string,
        [...wrapper.slice(1), process.execPath, '--import', 'tsx', PROBE],
        {
          encoding: 'utf8',
        },
      )
        .trim()
        .split('\n')
        .at(-1) as string,
    ) as { ok: boolean; message?: string };
    const agent = await startUnder(wrapper);
    const health = (await agent.get('/healthz')) as Record<string, unknown>;
    if (probe.ok) {
      expect(health).toMatchObject({ source: 'proc-connector', sourceReason: null });
    } else {
      expect(health).toMatchObject({ source: 'polling' });
      expect(health.sourceReason).toMatch(/CAP_NET_ADMIN/);
    }
    const { mismatches } = await persistentMismatches(() => processesOf(agent));
    expect(mismatches).toEqual([]);
  });
});
