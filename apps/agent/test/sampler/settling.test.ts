// What the event source reads again after an event or a signal, on a fake scanner: going to
// sleep, stopping and continuing have no process event, so looks for settling are what show them.
import type { HostHeadroom, ProcessRecord, ProcScanner } from '@pidscope/procfs';
import { testRecord } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import { LOOKS_AFTER_SIGNAL, LOOKS_WHILE_RUNNING, Sampling } from '../../src/sampler/sample.js';
import { Touched } from '../../src/sampler/touched.js';

const HOST = {
  pidMax: 32768,
  threadsMax: 100000,
  tasks: 10,
  processes: 10,
  zombies: 0,
  kernelThreads: 0,
  headroom: 32758,
  lastPid: 500,
} satisfies HostHeadroom;

/**
 * A host whose processes' states the test sets (`live`), and a scanner that reads them: each
 * read is counted, and a state that differs from the record is a change.
 */
function world(pids: number[]) {
  const live = new Map<number, string>(pids.map((pid) => [pid, 'S']));
  const known = new Map<number, ProcessRecord>();
  const reads = new Map<number, number>();
  const read = (which: Iterable<number>) => {
    const changed: ProcessRecord[] = [];
    const removed: ProcessRecord[] = [];
    for (const pid of which) {
      reads.set(pid, (reads.get(pid) ?? 0) + 1);
      const state = live.get(pid);
      const prev = known.get(pid);
      if (state === undefined) {
        if (prev) {
          known.delete(pid);
          removed.push(prev);
        }
        continue;
      }
      if (prev?.state === state) continue;
      const next = testRecord({ pid, state }) as ProcessRecord;
      known.set(pid, next);
      changed.push(next);
    }
    return { changed, removed, at: 1, durationMs: 0, vanished: 0 };
  };
  const scanner = {
    scan: () => ({ ...read(live.keys()), processes: [...known.values()] }),
    records: () => known.values(),
    record: (pid: number) => known.get(pid),
    counts: () => ({ processes: known.size, zombies: 0, kernelThreads: 0 }),
    childrenOf: () => [],
    update: (which: Iterable<number>) => read(which),
    refreshActive: (also: ReadonlySet<number>) => ({ ...read(also), read: also.size }),
    refreshIdle: () => ({ ...read([]), read: 0 }),
    takeUsedTicks: () => 0,
  } as unknown as ProcScanner;
  const sampling = new Sampling(
    scanner,
    { readPids: () => null },
    '/proc',
    () => HOST,
    () => 0,
  );
  sampling.walk(true, 'scan');
  reads.clear();
  /** The looks for settling the event source makes while there is anything to look at. */
  const look = (n = Number.POSITIVE_INFINITY) => {
    let looks = 0;
    while (looks < n && sampling.hasYoung(0)) {
      sampling.watch(false, 0);
      looks++;
    }
    return looks;
  };
  const events = (...named: number[]) => {
    const t = new Touched();
    for (const pid of named) t.read.add(pid);
    return sampling.reread(t);
  };
  return { live, reads, sampling, look, events, state: (pid: number) => known.get(pid)?.state };
}

describe('looks for settling', () => {
  it('read a process an event named once more, and let it go once it is seen not running', () => {
    const w = world([100]);
    w.live.set(100, 'R');
    expect(w.events(100)?.changed.map((r) => r.state)).toEqual(['R']);
    // Asleep by the first look: one look, no more.
    w.live.set(100, 'S');
    expect(w.look()).toBe(1);
    expect(w.state(100)).toBe('S');
    expect(w.reads.get(100)).toBe(2);
  });

  it('keep reading one still running (an exec loading, a child not yet asleep), LOOKS_WHILE_RUNNING times at most', () => {
    const w = world([100, 101]);
    w.live.set(100, 'R');
    w.live.set(101, 'R');
    w.events(100, 101);
    // 100 stays runnable for three looks and then sleeps; 101 never sleeps (it spins: the CPU
    // pass reads it from then on, as it uses ticks).
    expect(w.look(3)).toBe(3);
    expect(w.state(100)).toBe('R');
    w.live.set(100, 'S');
    w.look(1);
    expect(w.state(100)).toBe('S');
    expect(w.reads.get(100)).toBe(1 + 4);
    expect(w.look()).toBe(LOOKS_WHILE_RUNNING - 4);
    expect(w.reads.get(101)).toBe(1 + LOOKS_WHILE_RUNNING);
    expect(w.reads.get(100)).toBe(1 + 4);
  });

  it('read a signalled process LOOKS_AFTER_SIGNAL times, whatever it shows, so a stop shows once it is taken in', () => {
    const w = world([100, 200]);
    w.sampling.look([100, 999]);
    // The first looks still see it asleep: the signal is not taken in yet.
    expect(w.look(3)).toBe(3);
    expect(w.state(100)).toBe('S');
    w.live.set(100, 'T');
    w.look(1);
    expect(w.state(100)).toBe('T');
    expect(w.look()).toBe(LOOKS_AFTER_SIGNAL - 4);
    expect(w.reads.get(100)).toBe(LOOKS_AFTER_SIGNAL);
    // Neither an unknown PID nor a process nobody signalled is read.
    expect(w.reads.has(999)).toBe(false);
    expect(w.reads.has(200)).toBe(false);
  });

  it('keep a signalled process through a walk, and let one that exits go at once', () => {
    const w = world([100, 101]);
    w.sampling.look([100, 101]);
    w.sampling.walk(false, 'scan');
    w.live.delete(101);
    w.look(1);
    w.live.set(100, 'T');
    w.look(1);
    expect(w.state(100)).toBe('T');
    expect(w.state(101)).toBeUndefined();
    expect(w.reads.get(101)).toBe(2);
    // An event about it (a continue does not make one, but a comm change might) does not cut its
    // looks short.
    w.live.set(100, 'S');
    w.events(100);
    expect(w.look()).toBe(LOOKS_AFTER_SIGNAL - 2);
  });
});
