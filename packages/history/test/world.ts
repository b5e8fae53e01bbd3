// A made-up host whose states change the way a real one does (processes come and go, become
// zombies, are reparented, PIDs are reused, containers start, stop and fill up), with the patches
// and events between them, for store and replay tests and the fixture.
import {
  type Container,
  diff,
  type Event,
  type Patch,
  type Process,
  type State,
  sortProcesses,
} from '@pidscope/protocol';
import { TEST_HOST_PID_NS, TEST_NAMESPACES } from '@pidscope/protocol/testing';
import type { RecordedTick, TickSource } from '../src/index.js';

export interface WorldStep extends RecordedTick {
  state: State;
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONTAINER = 'c0ffee'.padEnd(64, '0');

function proc(pid: number, startTime: number, ppid: number, comm: string): Process {
  return {
    pid,
    ppid,
    state: 'S',
    comm,
    cmdline: [comm, String(pid)],
    startTime,
    threads: 1,
    uid: 0,
    kernelThread: false,
    nsPids: [pid],
    pidNs: 4026531836,
    containerId: null,
    runtime: null,
    rssBytes: 4096 * pid,
    cpu: 0,
    zombieSince: null,
  };
}

/**
 * `steps` ticks of a host with about `size` processes, one a second from `t0`. Each step's patch
 * turns the step before's state into its own; its events say what happened.
 */
export function world(
  seed: number,
  steps: number,
  size = 40,
  t0 = 1_700_000_000_000,
): {
  initial: State;
  initialAt: number;
  steps: WorldStep[];
} {
  const random = rng(seed);
  let nextPid = 100;
  let ticks = 1000;
  let eventId = 1;
  const freed: number[] = [];
  const procs = new Map<number, Process>();
  const add = (p: Process) => procs.set(p.pid, p);
  add(proc(1, 1, 0, 'init'));
  for (let i = 0; i < size; i++) add(proc(nextPid++, ticks++, 1, `w${i % 7}`));
  let container: Container | null = null;
  const snapshot = (seq: number): State => ({
    seq,
    host: {
      hostname: 'box',
      pidMax: 32768,
      threadsMax: 62000,
      tasks: procs.size + 10,
      processes: procs.size,
      zombies: [...procs.values()].filter((p) => p.state === 'Z').length,
      kernelThreads: 0,
      headroom: 32468 - procs.size - 10,
      etaSeconds: null,
      namespaces: TEST_NAMESPACES,
      pidNamespace: TEST_HOST_PID_NS,
      source: 'proc-connector' as const,
      sourceReason: null,
    },
    docker: { available: true, reason: null, version: '20.10.24' },
    containers: container ? [container] : [],
    processes: sortProcesses([...procs.values()]),
  });
  const initial = snapshot(1);
  let prev = initial;
  const out: WorldStep[] = [];
  for (let s = 1; s <= steps; s++) {
    const at = t0 + s * 1000;
    const events: Event[] = [];
    const ev = (type: Event['type'], p: Process, extra: Partial<Event> = {}) =>
      events.push({
        id: eventId++,
        type,
        at,
        pid: p.pid,
        startTime: p.startTime,
        containerId: p.containerId,
        comm: p.comm,
        message: `${p.comm} ${type}`,
        ...extra,
      });
    const live = [...procs.values()].filter((p) => p.pid !== 1);
    const pick = () => live[Math.floor(random() * live.length)];
    const r = random();
    if (r < 0.3) {
      // A fork; sometimes a PID a dead process had.
      const parent = pick() ?? (procs.get(1) as Process);
      const pid = freed.length > 0 && random() < 0.5 ? (freed.shift() as number) : nextPid++;
      add(proc(pid, ticks++, parent.pid, 'child'));
    } else if (r < 0.45) {
      const p = pick();
      if (p && p.state !== 'Z') {
        add({ ...p, state: 'Z', zombieSince: at, cmdline: [], rssBytes: 0 });
        ev('zombie-appeared', p);
      }
    } else if (r < 0.55) {
      const z = live.find((p) => p.state === 'Z');
      if (z) {
        procs.delete(z.pid);
        freed.push(z.pid);
        ev('zombie-reaped', z);
      }
    } else if (r < 0.65) {
      // A parent dies; its children go to PID 1.
      const p = pick();
      if (p && p.state !== 'Z') {
        procs.delete(p.pid);
        ev('exited', p);
        for (const c of [...procs.values()].filter((c) => c.ppid === p.pid)) {
          add({ ...c, ppid: 1 });
          ev('reparented', c, { oldPpid: p.pid, newPpid: 1, newParentKind: 'host-init' });
        }
      }
    } else if (r < 0.75) {
      const p = pick();
      if (p) add({ ...p, rssBytes: p.rssBytes + 4096, threads: p.threads + 1 });
    } else if (r < 0.8) {
      if (container) {
        events.push({ ...baseEvent(eventId++, at), type: 'container-stopped', message: 'stop' });
        container = null;
      } else {
        container = {
          id: CONTAINER,
          name: 'leaky',
          image: 'pidscope/busybox:local',
          state: 'running',
          runtime: 'docker',
          initPid: 1,
          hasInit: false,
          pidNamespace: 4026532500,
          sharesPidNamespaceWith: [],
          hostPidNamespace: false,
          execs: [],
          namespaces: TEST_NAMESPACES,
          pidsCurrent: 1,
          pidsMax: 300,
          forkFailures: 0,
          pidsPeak: null,
          labels: {},
          etaSeconds: null,
        };
        events.push({ ...baseEvent(eventId++, at), type: 'container-started', message: 'start' });
      }
    } else if (container) {
      const before: Container = container;
      const pidsCurrent = (before.pidsCurrent ?? 0) + 5;
      const hit = pidsCurrent > 300;
      container = {
        ...before,
        pidsCurrent: Math.min(pidsCurrent, 300),
        forkFailures: before.forkFailures + (hit ? 1 : 0),
      };
      if (hit) {
        events.push({
          ...baseEvent(eventId++, at),
          type: 'pids-limit-hit',
          message: 'hit',
          forkFailures: container.forkFailures,
          delta: 1,
        });
      }
    }
    const next = snapshot(prev.seq + 1);
    out.push({ at, state: next, patch: diff(prev, next, events) });
    prev = next;
  }
  return { initial, initialAt: t0, steps: out };
}

function baseEvent(id: number, at: number): Omit<Event, 'type' | 'message'> {
  return { id, at, pid: 0, startTime: 0, containerId: CONTAINER };
}

/** Ticks from a made-up world, published when the test says. */
export class FakeSource implements TickSource {
  #state: State;
  #listeners = new Set<(t: { state: State; patch: Patch | null; at: number }) => void>();
  constructor(initial: State) {
    this.#state = initial;
  }
  state(): State {
    return this.#state;
  }
  onTick(l: (t: { state: State; patch: Patch | null; at: number }) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  publish(step: WorldStep): void {
    this.#state = step.state;
    for (const l of this.#listeners) l({ state: step.state, patch: step.patch, at: step.at });
  }
}
