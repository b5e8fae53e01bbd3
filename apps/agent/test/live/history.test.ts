// Recording survives `kill -9`: the agent runs as its own process, records a zombie that appears
// and is reaped and a child that is reparented, is killed with SIGKILL and started again on the
// same data directory; every moment before the crash replays as /proc showed it. Processes are
// told apart by PID and start time: on a busy host a PID freed during the test may be reused.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventsAnswer, HistoryRange, HistoryState, Process } from '@pidscope/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/app.js';
import { childrenOf, ppidOf, startTimeOf, stateOf } from '../helpers/proc.js';
import { type Moment, recordedTicks, storyOf } from '../helpers/recording.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const TOKEN = 'history-live-token';
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Kills `pid` when called, or after the test if it stops before; only once, since a PID that was
 * killed and reaped may be another process's by then.
 */
function killer(pid: number): () => void {
  let alive = true;
  const stop = () => {
    if (alive) kill(pid);
    alive = false;
  };
  cleanup.push(stop);
  return stop;
}

/** A process: its PID and start time. */
interface Who {
  pid: number;
  startTime: number;
}

function who(pid: number): Who {
  return { pid, startTime: startTimeOf(pid) as number };
}

interface Agent {
  child: ChildProcess;
  get<T>(path: string): Promise<T>;
}

async function startAgent(dataDir: string, argv: string[] = []): Promise<Agent> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, '--port', '0', '--interval-ms', '250', ...argv],
    {
      env: {
        ...process.env,
        PIDSCOPE_TOKEN: TOKEN,
        PIDSCOPE_DATA_DIR: dataDir,
        PIDSCOPE_AUDIT_FILE: join(dataDir, 'audit.jsonl'),
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  // Not by PID: the test kills the first agent itself, and its PID may be reused by then.
  cleanup.push(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  const base = await waitFor(
    () => /pidscope listening on (http:\/\/[^/]+)\//.exec(out)?.[1],
    'the agent to listen',
    60_000,
  );
  return {
    child,
    async get<T>(path: string): Promise<T> {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}

const find = (s: HistoryState, w: Who): Process | undefined =>
  s.state.processes.find((p) => p.pid === w.pid && p.startTime === w.startTime);

describe('live: history across kill -9', () => {
  it('replays each moment before the crash as /proc showed it, and keeps the events', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pidscope-crash-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const agent = await startAgent(dataDir);
    // A moment: when the live state first showed what `check` asks of `w` (or, with `absent`,
    // showed it no more), and that state's seq. Not in time: what the live state showed last.
    const seen = async (
      name: string,
      w: Who,
      check: ((p: Process) => boolean) | 'absent',
      what: string,
    ): Promise<Moment> => {
      let last = 'nothing yet';
      try {
        return await waitFor(async () => {
          const snap = await agent.get<HistoryState['state']>('/api/v1/snapshot');
          const p = snap.processes.find((x) => x.pid === w.pid && x.startTime === w.startTime);
          last = `seq ${snap.seq}: ${p ? JSON.stringify(p) : `no ${w.pid}:${w.startTime}`}`;
          const ok = check === 'absent' ? p === undefined : p !== undefined && check(p);
          return ok ? { name, at: Date.now(), seq: snap.seq } : undefined;
        }, what);
      } catch (err) {
        throw new Error(`${(err as Error).message}; the live state showed last, at ${last}`);
      }
    };

    // A parent that does not reap its child until told to (`read` blocks, `wait` reaps). The child
    // sleeps until the test kills it, however long a loaded host takes to show it asleep.
    const parent = spawn('sh', ['-c', 'sleep 120 & read x; wait; read y'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    cleanup.push(() => parent.kill('SIGKILL'));
    const parentOf = who(parent.pid as number);
    const parentPid = parentOf.pid;
    const child = who(await waitFor(() => childrenOf(parentPid)[0], 'the child'));
    const killChild = killer(child.pid);
    const t1 = await seen('t1', child, (p) => p.state === 'S' && p.ppid === parentPid, 'the child');
    expect(stateOf(child.pid)).toBe('S');
    killChild();
    await waitFor(() => stateOf(child.pid) === 'Z', 'the child to become a zombie');
    const t2 = await seen('t2', child, (p) => p.state === 'Z', 'the zombie');
    expect(ppidOf(child.pid)).toBe(parentPid);
    parent.stdin?.write('\n');
    await waitFor(() => startTimeOf(child.pid) !== child.startTime, 'the zombie to be reaped');
    const t3 = await seen('t3', child, 'absent', 'the agent to see the reap');

    // A parent killed while its child lives: the child is adopted by the reaper.
    const doomed = spawn('sh', ['-c', 'sleep 120 & read x'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    cleanup.push(() => doomed.kill('SIGKILL'));
    const doomedOf = who(doomed.pid as number);
    const doomedPid = doomedOf.pid;
    const orphan = who(await waitFor(() => childrenOf(doomedPid)[0], 'the orphan-to-be'));
    // Alive until then: a sleep whose parent does not wait for it.
    cleanup.push(() => kill(orphan.pid));
    const t4 = await seen('t4', orphan, (p) => p.ppid === doomedPid, 'the orphan-to-be');
    doomed.kill('SIGKILL');
    await waitFor(() => ppidOf(orphan.pid) !== doomedPid && ppidOf(orphan.pid), 'the reparenting');
    const adopter = ppidOf(orphan.pid) as number;
    // The killed parent is a zombie until this test, its parent, reaps it: the agent shows the
    // adoption with the exit, and the reap (which has no event) at a look after. t5 holds both.
    await seen('t5-', doomedOf, 'absent', 'the agent to see the killed parent reaped');
    const t5 = await seen('t5', orphan, (p) => p.ppid === adopter, 'the adopted orphan');

    // Everything up to now is more than two seconds old at the crash.
    await new Promise((r) => setTimeout(r, 2500));
    const beforeCrash = await agent.get<HistoryRange>('/api/v1/history');
    agent.child.kill('SIGKILL');
    await new Promise((r) => agent.child.once('exit', r));

    const again = await startAgent(dataDir);
    const range = await again.get<HistoryRange>('/api/v1/history');
    expect(range.from).toBe(beforeCrash.from);
    expect(range.to as number).toBeGreaterThanOrEqual(t5.at);
    const at = (m: Moment) => again.get<HistoryState>(`/api/v1/history/state?at=${m.at}`);
    // When a replay is not what the live agent showed: which recorded ticks made it so.
    const ticks = recordedTicks(join(dataDir, 'history'));
    const story = (w: Who, m: Moment, s: HistoryState) =>
      storyOf(ticks, w.pid, m, { seq: s.state.seq, recordedAt: s.recordedAt });

    const s1 = await at(t1);
    expect(find(s1, child), story(child, t1, s1)).toMatchObject({ state: 'S', ppid: parentPid });
    const s2 = await at(t2);
    expect(find(s2, child), story(child, t2, s2)).toMatchObject({ state: 'Z', ppid: parentPid });
    expect(find(s2, child)?.zombieSince).toBeLessThanOrEqual(t2.at);
    const s3 = await at(t3);
    expect(find(s3, child), story(child, t3, s3)).toBeUndefined();
    expect(find(s3, parentOf), story(parentOf, t3, s3)).toBeDefined();
    const s4 = await at(t4);
    expect(find(s4, orphan)?.ppid, story(orphan, t4, s4)).toBe(doomedPid);
    expect(find(s4, doomedOf), story(doomedOf, t4, s4)).toBeDefined();
    const s5 = await at(t5);
    expect(find(s5, orphan)?.ppid, story(orphan, t5, s5)).toBe(adopter);
    expect(find(s5, doomedOf), story(doomedOf, t5, s5)).toBeUndefined();

    const events = await again.get<EventsAnswer>(
      `/api/v1/events?since=${t1.at - 1000}&until=${t5.at}&limit=10000`,
    );
    const of = (type: string, w: Who) =>
      events.events.filter(
        (e) => e.type === type && e.pid === w.pid && e.startTime === w.startTime,
      );
    expect(of('zombie-appeared', child)).toHaveLength(1);
    expect(of('zombie-reaped', child)).toHaveLength(1);
    expect(of('reparented', orphan)).toMatchObject([{ oldPpid: doomedPid, newPpid: adopter }]);
    // The store was opened whole or with its torn tail cut: either way it has segments left.
    expect(readdirSync(join(dataDir, 'history')).some((n) => n.endsWith('.seg'))).toBe(true);
  });
});
