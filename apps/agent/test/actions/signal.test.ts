import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auth,
  isAlive,
  spawnVictim,
  startAgent,
  startTimeOf,
  type TestAgent,
  TOKEN,
  waitFor,
} from './helpers.js';

let agent: TestAgent;
let victim: ChildProcess;
let victimPid: number;
let victimStart: number;
const spawned: ChildProcess[] = [];

function post(url: string, body: unknown, headers: Record<string, string> = auth) {
  return agent.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const signalUrl = (pid: number | string, q = '') => `/api/v1/processes/${pid}/signal${q}`;

beforeAll(async () => {
  agent = await startAgent();
  victim = spawnVictim();
  spawned.push(victim);
  victimPid = victim.pid as number;
  victimStart = startTimeOf(victimPid);
});

afterAll(async () => {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await agent?.close();
});

describe('POST /api/v1/processes/:pid/signal refuses without harming the victim', () => {
  it.each([['0'], ['-1'], ['1.5'], ['abc']])('400 for PID %s', async (pid) => {
    const res = await post(signalUrl(pid), { signal: 'SIGTERM', startTime: victimStart });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('BAD_PID');
    expect(isAlive(victim)).toBe(true);
  });

  it('400 for an unknown signal', async () => {
    const res = await post(signalUrl(victimPid), { signal: 'SIGFOO', startTime: victimStart });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('BAD_SIGNAL');
    expect(res.json().message).toContain('SIGTERM');
    expect(isAlive(victim)).toBe(true);
  });

  it('400 without startTime', async () => {
    const res = await post(signalUrl(victimPid), { signal: 'SIGKILL' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('BAD_START_TIME');
    expect(isAlive(victim)).toBe(true);
  });

  it('400 for a body that is not JSON', async () => {
    const res = await post(signalUrl(victimPid), '{"signal": "SIGKILL", startTime');
    expect(res.statusCode).toBe(400);
    expect(isAlive(victim)).toBe(true);
  });

  it('401 without a token, and with a wrong one', async () => {
    const body = { signal: 'SIGKILL', startTime: victimStart };
    const none = await post(signalUrl(victimPid), body, {});
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    const wrong = await post(signalUrl(victimPid), body, { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.statusCode).toBe(401);
    const basic = await post(signalUrl(victimPid), body, { authorization: `Basic ${TOKEN}` });
    expect(basic.statusCode).toBe(401);
    expect(isAlive(victim)).toBe(true);
  });

  it('404 for a PID that does not exist', async () => {
    const res = await post(signalUrl(4_000_000), { signal: 'SIGKILL', startTime: 1 });
    expect(res.statusCode).toBe(404);
    expect(isAlive(victim)).toBe(true);
  });

  it('[R7] 409 when the start time is stale (the PID belongs to another process)', async () => {
    const res = await post(signalUrl(victimPid), { signal: 'SIGKILL', startTime: victimStart - 1 });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('STALE_START_TIME');
    expect(res.json().detail.currentStartTime).toBe(victimStart);
    expect(isAlive(victim)).toBe(true);
  });

  it("403 for the host's PID 1", async () => {
    const res = await post(signalUrl(1), { signal: 'SIGKILL', startTime: startTimeOf(1) });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('HOST_INIT');
    expect(isAlive(victim)).toBe(true);
  });

  it('403 for a kernel thread (kthreadd, PID 2)', async () => {
    const res = await post(signalUrl(2), { signal: 'SIGKILL', startTime: startTimeOf(2) });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('KERNEL_THREAD');
    expect(isAlive(victim)).toBe(true);
  });

  it('403 for the agent itself and for its parent', async () => {
    const self = await post(signalUrl(process.pid), {
      signal: 'SIGTERM',
      startTime: startTimeOf(process.pid),
    });
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('AGENT_ITSELF');
    const parent = await post(signalUrl(process.ppid), {
      signal: 'SIGTERM',
      startTime: startTimeOf(process.ppid),
    });
    expect(parent.statusCode).toBe(403);
    expect(parent.json().code).toBe('AGENT_ANCESTOR');
    expect(isAlive(victim)).toBe(true);
  });

  it('403 for the container runtime daemons (asked as a dry run: a bug must not take Docker down)', async () => {
    const daemons = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .filter((pid) => {
        try {
          return ['dockerd', 'containerd'].includes(
            readFileSync(`/proc/${pid}/comm`, 'utf8').trim(),
          );
        } catch {
          return false;
        }
      });
    expect(daemons.length).toBeGreaterThanOrEqual(1);
    for (const pid of daemons) {
      const res = await post(signalUrl(pid, '?dryRun=1'), {
        signal: 'SIGKILL',
        startTime: startTimeOf(pid),
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('CONTAINER_RUNTIME');
    }
    expect(isAlive(victim)).toBe(true);
  });

  it('403 for a thread id that is not its thread-group leader', async () => {
    const threaded = spawnVictim([
      process.execPath,
      '-e',
      "new (require('node:worker_threads').Worker)('setInterval(() => {}, 1000)', { eval: true }); setInterval(() => {}, 1000)",
    ]);
    spawned.push(threaded);
    const pid = threaded.pid as number;
    const tid = await waitFor('a non-leader thread', () =>
      readdirSync(`/proc/${pid}/task`)
        .map(Number)
        .find((t) => t !== pid),
    );
    const res = await post(signalUrl(tid), { signal: 'SIGKILL', startTime: startTimeOf(tid) });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('NOT_THREAD_GROUP_LEADER');
    expect(res.json().message).toContain(String(pid));
    expect(isAlive(threaded)).toBe(true);
  });

  it('403 for every action in read-only mode', async () => {
    const ro = await startAgent({ PIDSCOPE_READ_ONLY: '1' });
    try {
      for (const url of [signalUrl(victimPid), signalUrl(victimPid, '?dryRun=1')]) {
        const res = await ro.app.inject({
          method: 'POST',
          url,
          headers: { ...auth, 'content-type': 'application/json' },
          payload: { signal: 'SIGKILL', startTime: victimStart },
        });
        expect(res.statusCode).toBe(403);
        expect(res.json().code).toBe('READ_ONLY');
      }
      const reap = await ro.app.inject({
        method: 'POST',
        url: `/api/v1/processes/${victimPid}/reap`,
        headers: { ...auth, 'content-type': 'application/json' },
        payload: { startTime: victimStart },
      });
      expect(reap.statusCode).toBe(403);
      expect(isAlive(victim)).toBe(true);
    } finally {
      await ro.close();
    }
  }, 90_000);
});

describe('dry run, then the real signal', () => {
  it('[R7] dryRun=1 says what would happen and sends nothing', async () => {
    const res = await post(signalUrl(victimPid, '?dryRun=1'), {
      signal: 'SIGTERM',
      startTime: victimStart,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.dryRun).toBe(true);
    expect(body.sent).toBe(false);
    expect(body.preview.effect).toBe('terminate');
    expect(body.preview.text).toContain(`SIGTERM to PID ${victimPid} (sleep)`);
    expect(isAlive(victim)).toBe(true);
  });

  it('200 sends the signal and the victim dies of it', async () => {
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      victim.once('exit', (_code, signal) => resolve(signal)),
    );
    const res = await post(signalUrl(victimPid), { signal: 'SIGTERM', startTime: victimStart });
    expect(res.statusCode).toBe(200);
    expect(res.json().sent).toBe(true);
    expect(await exited).toBe('SIGTERM');
  });
});

describe('signals through pidfd', () => {
  it('/healthz says signals go through pidfds here', async () => {
    expect((await agent.app.inject('/healthz')).json()).toMatchObject({
      signals: 'pidfd',
      signalsReason: null,
    });
  });

  it('never signals a PID reused by a process with another start time', async () => {
    const first = spawnVictim();
    spawned.push(first);
    const pid = first.pid as number;
    const firstStart = startTimeOf(pid);
    const gone = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await gone;
    // Start times count 10 ms ticks: the next process with this PID starts in a later one.
    await new Promise((r) => setTimeout(r, 30));
    // As root, ns_last_pid names the PID the next fork takes; another fork may take it first.
    let second: ChildProcess | null = null;
    for (let attempt = 0; attempt < 50 && !second; attempt++) {
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
      const c = spawnVictim();
      spawned.push(c);
      if (c.pid === pid) second = c;
      else c.kill('SIGKILL');
    }
    if (!second) throw new Error(`PID ${pid} could not be taken again`);
    expect(startTimeOf(pid)).not.toBe(firstStart);

    const res = await post(signalUrl(pid), { signal: 'SIGKILL', startTime: firstStart });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'STALE_START_TIME',
      detail: { currentStartTime: startTimeOf(pid) },
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(second)).toBe(true);
  });

  it('a stopped process shows as stopped: the model looks again after a signal', async () => {
    const stopped = spawnVictim();
    spawned.push(stopped);
    const pid = stopped.pid as number;
    const start = startTimeOf(pid);
    await waitFor('the agent to see it', () => agent.app.model.findProcess(pid));
    const res = await post(signalUrl(pid), { signal: 'SIGSTOP', startTime: start });
    expect(res.statusCode).toBe(200);
    // No process event tells a stop, and the safety rescan is 15 s away: the reads that follow
    // a signal show it, though the first may come before the target took the signal in.
    await waitFor('state T', () => agent.app.model.findProcess(pid)?.state === 'T');
    stopped.kill('SIGKILL');
  });
});

describe('audit log', () => {
  it('has one line per request with status and target, never the token', async () => {
    const res = await agent.app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=1000',
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    const entries = res.json().entries as {
      action: string;
      status: number;
      actor: string | null;
      remote: string;
      target: { pid: number | null; startTime: number | null } | null;
      signal: string | null;
      dryRun: boolean;
    }[];
    const sent = entries.find((e) => e.status === 200 && !e.dryRun && e.target?.pid === victimPid);
    expect(sent).toMatchObject({
      action: 'signal',
      signal: 'SIGTERM',
      target: { pid: victimPid, startTime: victimStart },
    });
    expect(sent?.actor).toMatch(/^token:[0-9a-f]{12}$/);
    expect(entries.some((e) => e.status === 409 && e.target?.pid === victimPid)).toBe(true);
    // Refused before authenticating: counted, not a line each (a flood would push real entries out).
    expect(entries.some((e) => e.status === 401)).toBe(false);
    expect(res.json().refused.byCode.UNAUTHENTICATED).toBeGreaterThanOrEqual(2);
    expect(entries.some((e) => e.status === 400)).toBe(true);
    expect(entries.some((e) => e.status === 403 && e.target?.pid === 1)).toBe(true);
    const file = readFileSync(agent.auditFile, 'utf8');
    expect(file.trim().split('\n').length).toBe(entries.length);
    expect(file).not.toContain(TOKEN);
  });

  it('GET /api/v1/audit needs the token', async () => {
    const res = await agent.app.inject({ method: 'GET', url: '/api/v1/audit' });
    expect(res.statusCode).toBe(401);
  });
});
