// What keeps a quiet host quiet under kernel events, on fakes: the host's task-count deadband,
// the CPU pass's idle slices, and the gap the event source keeps after a busy window.
import type {
  ConnectorBatch,
  HostHeadroom,
  ProcConnector,
  ProcEvent,
  ProcessRecord,
  ProcScanner,
} from '@pidscope/procfs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUSY_GAP_MS, COALESCE_MS, EventSource } from '../../src/sampler/eventSource.js';
import type { Sample } from '../../src/sampler/messages.js';
import { CPU_IDLE_SLICES, CPU_REFRESH_MS, hostNews, Sampling } from '../../src/sampler/sample.js';
import type { Touched } from '../../src/sampler/touched.js';

const HOST: HostHeadroom = {
  pidMax: 32768,
  threadsMax: 100000,
  tasks: 3000,
  processes: 2900,
  zombies: 0,
  kernelThreads: 60,
  headroom: 29468,
  lastPid: 500,
};

/** A scanner with no processes: only the host's numbers move. */
const emptyScanner = {
  scan: () => ({ processes: [], changed: [], removed: [], at: 1, durationMs: 1, vanished: 0 }),
  records: () => [][Symbol.iterator](),
  record: () => undefined,
  refreshCpu: () => ({ changed: [], removed: [], at: 1, durationMs: 0, vanished: 0 }),
} as unknown as ProcScanner;

describe('host headroom under the deadband', () => {
  it('publishes no sample for a task count that moves less than 1% of the headroom (64 at most)', () => {
    let host = HOST;
    const sampling = new Sampling(emptyScanner, { readPids: () => null }, '/proc', () => host);
    expect(sampling.walk(true, 'scan').host).toBe(HOST);

    host = { ...HOST, tasks: HOST.tasks + 40, headroom: HOST.headroom - 40, lastPid: 900 };
    expect(sampling.watch(true)).toBeNull();
    host = { ...HOST, tasks: HOST.tasks - 63, headroom: HOST.headroom + 63 };
    expect(sampling.watch(true)).toBeNull();
    // Measured against what was published: a slow climb shows once it adds up.
    host = { ...HOST, tasks: HOST.tasks + 64, headroom: HOST.headroom - 64 };
    expect(sampling.watch(true)?.host).toBe(host);
    // A walk keeps the published numbers too, so polling is as quiet.
    const published = host;
    host = { ...published, tasks: published.tasks + 1, headroom: published.headroom - 1 };
    expect(sampling.walk(false, 'scan').host).toBe(published);
  });

  it('is exact as the headroom runs out, and for every count of processes', () => {
    const low = { ...HOST, tasks: 32_300, headroom: 168 };
    expect(hostNews(low, { ...low, tasks: 32_301, headroom: 167 }).tasks).toBe(32_301);
    const near = { ...HOST, tasks: 31_968, headroom: 500 };
    expect(hostNews(near, { ...near, tasks: 31_972, headroom: 496 })).toBe(near);
    expect(hostNews(near, { ...near, tasks: 31_973, headroom: 495 }).tasks).toBe(31_973);
    expect(hostNews(HOST, { ...HOST, processes: HOST.processes + 1 }).processes).toBe(2901);
    expect(hostNews(HOST, { ...HOST, zombies: 1 }).zombies).toBe(1);
    expect(hostNews(HOST, { ...HOST, threadsMax: 200 }).threadsMax).toBe(200);
    expect(hostNews(null, HOST)).toBe(HOST);
  });
});

describe('the CPU pass', () => {
  it('comes every CPU_REFRESH_MS, takes the idle slices in turn, and keeps looking at zombies', () => {
    const zombie = { pid: 70, startTime: 5, state: 'Z', containerId: null } as ProcessRecord;
    const none = { changed: [], removed: [], at: 1, durationMs: 0, vanished: 0 };
    const calls: { at: number; slice?: number; of?: number; also?: number[]; pids?: number[] }[] =
      [];
    let now = 1_000_000;
    const scanner = {
      scan: () => ({ ...none, processes: [zombie], changed: [zombie], at: now }),
      records: () => [zombie][Symbol.iterator](),
      record: () => zombie,
      refreshCpu: (slice: number, of: number, also: ReadonlySet<number>) => {
        calls.push({ at: now, slice, of, also: [...also] });
        return none;
      },
      update: (pids: Iterable<number>) => {
        calls.push({ at: now, pids: [...pids] });
        return none;
      },
    } as unknown as ProcScanner;
    const sampling = new Sampling(scanner, { readPids: () => null }, '/proc', () => HOST);
    const t0 = now;
    sampling.walk(true, 'scan');
    // The watch runs every second; a pass every other one.
    for (let i = 0; i < 2 * CPU_IDLE_SLICES + 1; i++) {
      now += CPU_REFRESH_MS / 2;
      sampling.watch(true, now);
    }
    const passes = calls.filter((c) => c.slice !== undefined);
    expect(passes.map((c) => c.at - t0)).toEqual(
      Array.from({ length: CPU_IDLE_SLICES }, (_, i) => (i + 1) * CPU_REFRESH_MS),
    );
    // Each slice once per CPU_IDLE_SLICES passes: an idle process is read every 10 s.
    expect(passes.map((c) => c.slice)).toEqual([0, 1, 2, 3, 4]);
    expect(passes.every((c) => c.of === CPU_IDLE_SLICES)).toBe(true);
    // The zombie is looked at on every watch, in the pass or on its own.
    expect(passes.every((c) => c.also?.includes(70))).toBe(true);
    expect(calls.filter((c) => c.pids).every((c) => c.pids?.includes(70))).toBe(true);
    expect(calls).toHaveLength(2 * CPU_IDLE_SLICES + 1);
  });
});

/** A connector whose batches the test delivers. */
function fakeConnector() {
  let deliver: (b: ConnectorBatch) => void = () => {};
  const rests: number[] = [];
  const connector = {
    listen: (onBatch: (b: ConnectorBatch) => void) => {
      deliver = onBatch;
    },
    drain: () => {},
    restFor: (ms: number) => rests.push(ms),
    close: () => {},
  } as unknown as ProcConnector;
  const fork = (pid: number): void =>
    deliver({
      events: [
        { kind: 'fork', parentPid: 1, parentTgid: 1, childPid: pid, childTgid: pid } as ProcEvent,
      ],
      overrun: null,
      missing: 0,
    });
  return { connector, fork, rests };
}

/** A Sampling that records when each re-read ran and which PIDs it was given. */
function fakeSampling() {
  const reads: { at: number; pids: number[]; young: boolean }[] = [];
  const state = { young: false };
  const sampling = {
    reread: (t: Touched, young = false) => {
      reads.push({ at: Date.now(), pids: [...t.read], young });
      return null;
    },
    watch: () => null,
    walk: () => ({}) as Sample,
    hasYoung: () => state.young,
  } as unknown as Sampling;
  return { sampling, reads, state };
}

describe('the event source after a busy window', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads a lone event at once, and a storm at most once per gap', () => {
    const { connector, fork, rests } = fakeConnector();
    const { sampling, reads, state } = fakeSampling();
    const hooks = { emit: () => {}, error: () => {}, stopped: () => {} };
    const source = new EventSource(
      connector,
      sampling,
      { receiveBufferBytes: 0, watchMs: 60_000 },
      hooks,
    );
    source.start();
    const t0 = Date.now();
    fork(100);
    vi.advanceTimersByTime(10);
    // A quiet host: read 5 ms after the event.
    expect(reads).toEqual([{ at: t0 + 5, pids: [100], young: false }]);
    expect(rests).toEqual([]);

    // A storm: an event every 2 ms for a second; what is read is looked at again later.
    vi.advanceTimersByTime(1000);
    reads.length = 0;
    state.young = true;
    const start = Date.now();
    for (let i = 0; i < 500; i++) {
      fork(1000 + i);
      vi.advanceTimersByTime(2);
    }
    vi.advanceTimersByTime(200);
    const during = reads.filter((r) => r.at < start + 1000);
    // The first window is cut at 25 ms; from then on one read per gap, not one per 25 ms.
    expect(during[0]?.at).toBe(start + COALESCE_MS);
    for (let i = 1; i < during.length; i++) {
      expect((during[i]?.at ?? 0) - (during[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(BUSY_GAP_MS);
    }
    expect(during.length).toBeLessThanOrEqual(Math.ceil(1000 / BUSY_GAP_MS) + 1);
    // Every PID an event named is read, and what was read a gap before is looked at with it.
    expect(new Set(reads.flatMap((r) => r.pids)).size).toBe(500);
    expect(during.slice(1).every((r) => r.young)).toBe(true);
    // Held back, the socket is left to queue events until the read instead of waking for each.
    expect(rests.length).toBeGreaterThan(0);
    expect(rests.every((ms) => ms > 0 && ms <= BUSY_GAP_MS)).toBe(true);

    // Once the storm is over, a lone event is read at once again.
    state.young = false;
    vi.advanceTimersByTime(1000);
    reads.length = 0;
    const later = Date.now();
    fork(5000);
    vi.advanceTimersByTime(10);
    expect(reads).toEqual([{ at: later + 5, pids: [5000], young: false }]);
    source.close();
  });
});
