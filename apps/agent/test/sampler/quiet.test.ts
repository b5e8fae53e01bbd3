// What keeps a quiet host quiet under kernel events, on fakes: the host's task-count deadband,
// the CPU pass's idle slices, and the gap the event source keeps after a busy window.
import type { HostHeadroom, ProcessRecord, ProcScanner } from '@pidscope/procfs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BUSY_GAP_MS,
  CADENCE_REST_MARGIN_MS,
  CALM_WATCHES_TO_SLOW,
  COALESCE_MS,
  EventSource,
  SLOWEST_WATCH,
} from '../../src/sampler/eventSource.js';
import type { Sample } from '../../src/sampler/messages.js';
import {
  CPU_IDLE_QUIET_EVERY,
  CPU_IDLE_SLICES,
  CPU_REFRESH_MS,
  hostNews,
  READ_AT_LEAST_EVERY_MS,
  Sampling,
  unexplainedBound,
} from '../../src/sampler/sample.js';
import type { Touched } from '../../src/sampler/touched.js';
import { exit, fakeConnector, fork } from './fakeConnector.js';

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
  counts: () => ({ processes: 0, zombies: 0, kernelThreads: 0 }),
  record: () => undefined,
  refreshActive: () => ({ changed: [], removed: [], at: 1, durationMs: 0, vanished: 0, read: 0 }),
  refreshIdle: () => ({ changed: [], removed: [], at: 1, durationMs: 0, vanished: 0, read: 0 }),
  takeUsedTicks: () => 0,
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
  /**
   * A scanner of one zombie that records what each pass reads, and a host whose busy CPU time
   * moves by what the test says, against what the processes read account for.
   */
  function world() {
    const zombie = { pid: 70, startTime: 5, state: 'Z', containerId: null } as ProcessRecord;
    const none = { changed: [], removed: [], at: 1, durationMs: 0, vanished: 0, read: 0 };
    const calls: { at: number; kind: string; slice?: number; of?: number; pids?: number[] }[] = [];
    const clock = { now: 1_000_000, busy: 0 as number | null, used: 0 };
    const scanner = {
      scan: () => ({ ...none, processes: [zombie], changed: [zombie], at: clock.now }),
      records: () => [zombie][Symbol.iterator](),
      counts: () => ({ processes: 1, zombies: 1, kernelThreads: 0 }),
      record: () => zombie,
      refreshActive: (also: ReadonlySet<number>) => {
        calls.push({ at: clock.now, kind: 'active', pids: [...also] });
        return { ...none, read: also.size };
      },
      refreshIdle: (slice: number, of: number) => {
        calls.push({ at: clock.now, kind: 'idle', slice, of });
        return none;
      },
      takeUsedTicks: () => {
        const used = clock.used;
        clock.used = 0;
        return used;
      },
      update: (pids: Iterable<number>) => {
        calls.push({ at: clock.now, kind: 'update', pids: [...pids] });
        return none;
      },
    } as unknown as ProcScanner;
    const sampling = new Sampling(
      scanner,
      { readPids: () => null },
      '/proc',
      () => HOST,
      () => clock.busy,
    );
    sampling.walk(true, 'scan');
    /** The watch runs every second, a pass every other one: `busy` more ticks, `used` explained. */
    const seconds = (n: number, busy: number, used: number) => {
      for (let i = 0; i < n; i++) {
        clock.now += CPU_REFRESH_MS / 2;
        if (clock.busy !== null) clock.busy += busy / 2;
        clock.used += used / 2;
        sampling.watch(true, clock.now);
      }
    };
    return { calls, clock, seconds };
  }

  it('comes every CPU_REFRESH_MS and reads what uses CPU, and the zombies, each time', () => {
    const { calls, clock, seconds } = world();
    const t0 = clock.now;
    seconds(2 * CPU_IDLE_SLICES + 1, 10, 10);
    const passes = calls.filter((c) => c.kind === 'active');
    expect(passes.map((c) => c.at - t0)).toEqual(
      Array.from({ length: CPU_IDLE_SLICES }, (_, i) => (i + 1) * CPU_REFRESH_MS),
    );
    // The zombie is looked at on every watch, in the pass or on its own.
    expect(passes.every((c) => c.pids?.includes(70))).toBe(true);
    expect(calls.filter((c) => c.kind === 'update').every((c) => c.pids?.includes(70))).toBe(true);
  });

  it('reads a slice of the idle processes on every pass while the host used CPU the processes read do not account for', () => {
    const { calls, seconds } = world();
    // 60 ticks over each pass, 10 of them explained: far past the bound.
    seconds(2 * CPU_IDLE_SLICES * 2, 60, 10);
    const idle = calls.filter((c) => c.kind === 'idle');
    expect(idle.map((c) => c.slice)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(idle.every((c) => c.of === CPU_IDLE_SLICES)).toBe(true);
  });

  it('reads one slice in CPU_IDLE_QUIET_EVERY passes while it is all accounted for, so each idle process every minute', () => {
    const { calls, seconds } = world();
    const passes = CPU_IDLE_QUIET_EVERY * CPU_IDLE_SLICES;
    // Within the bound: 3 ticks more than explained on each pass.
    seconds(2 * passes, 13, 10);
    const idle = calls.filter((c) => c.kind === 'idle');
    expect(idle.map((c) => c.slice)).toEqual([0, 1, 2, 3, 4]);
    expect(READ_AT_LEAST_EVERY_MS).toBe(passes * CPU_REFRESH_MS);
    expect(READ_AT_LEAST_EVERY_MS).toBe(60_000);
  });

  it("reads a slice on every pass when the host's busy time cannot be read", () => {
    const { calls, clock, seconds } = world();
    clock.busy = null;
    seconds(2 * CPU_IDLE_SLICES, 0, 0);
    expect(calls.filter((c) => c.kind === 'idle').map((c) => c.slice)).toEqual([0, 1, 2, 3, 4]);
  });

  it('bounds what need not be explained by the processes read and the time they explain', () => {
    expect(unexplainedBound(0, 0)).toBe(4);
    expect(unexplainedBound(100, 1000)).toBe(4 + 10 + 20);
  });
});

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

  it('reads a lone event at once, and a storm once per gap, on a steady cadence that leaves the socket resting', () => {
    const { connector, deliver, rests, wakeUps } = fakeConnector();
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
    deliver(fork(100));
    vi.advanceTimersByTime(10);
    // A quiet host: read 5 ms after the event.
    expect(reads).toEqual([{ at: t0 + 5, pids: [100], young: false }]);
    expect(rests).toEqual([]);

    // A storm: an event every 2 ms for a second; what is read is looked at again later.
    vi.advanceTimersByTime(1000);
    reads.length = 0;
    state.young = true;
    const start = Date.now();
    const wokeBefore = wakeUps.count;
    for (let i = 0; i < 500; i++) {
      deliver(fork(1000 + i));
      vi.advanceTimersByTime(2);
    }
    vi.advanceTimersByTime(200);
    const during = reads.filter((r) => r.at < start + 1000);
    // The first window is cut at 25 ms; from then on one read per gap, not one per 25 ms, each
    // exactly a gap after the one before.
    expect(during[0]?.at).toBe(start + COALESCE_MS);
    for (let i = 1; i < during.length; i++) {
      expect((during[i]?.at ?? 0) - (during[i - 1]?.at ?? 0)).toBe(BUSY_GAP_MS);
    }
    expect(during.length).toBe(Math.floor((1000 - COALESCE_MS) / BUSY_GAP_MS) + 1);
    // Every PID an event named is read, and what was read a gap before is looked at with it.
    expect(new Set(reads.flatMap((r) => r.pids)).size).toBe(500);
    expect(during.slice(1).every((r) => r.young)).toBe(true);
    // The socket woke for each event of the first window (one every 2 ms), and for none after:
    // the rest came in the flushes' drains, each rest lasting until just past the next flush.
    expect(wakeUps.count - wokeBefore).toBe(Math.ceil(COALESCE_MS / 2));
    const storming = rests.filter((ms) => ms > 0);
    expect(storming.length).toBeGreaterThanOrEqual(during.length - 1);
    expect(storming.every((ms) => ms <= BUSY_GAP_MS + CADENCE_REST_MARGIN_MS)).toBe(true);
    // The flush after the storm found nothing: the socket is watched again at once.
    expect(rests.at(-1)).toBe(0);

    // Once the storm is over, a lone event is read at once again.
    state.young = false;
    vi.advanceTimersByTime(1000);
    reads.length = 0;
    const later = Date.now();
    deliver(fork(5000));
    vi.advanceTimersByTime(10);
    expect(reads).toEqual([{ at: later + 5, pids: [5000], young: false }]);
    source.close();
  });
});

describe('the watch on a quiet host', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function watchedSource() {
    const { connector, deliver } = fakeConnector();
    const watches: number[] = [];
    const state = { news: null as Sample | null, calm: true };
    const sampling = {
      reread: () => null,
      watch: () => {
        watches.push(Date.now());
        return state.news;
      },
      walk: () => ({}) as Sample,
      hasYoung: () => false,
      calm: () => state.calm,
    } as unknown as Sampling;
    const hooks = { emit: () => {}, error: () => {}, stopped: () => {} };
    const source = new EventSource(
      connector,
      sampling,
      { receiveBufferBytes: 0, watchMs: 1000 },
      hooks,
    );
    source.start();
    const gaps = () => watches.slice(1).map((t, i) => t - (watches[i] as number));
    return { source, deliver, watches, gaps, state };
  }

  it('slows down after calm watches, twice as long each time up to SLOWEST_WATCH, and an event brings it back at once', () => {
    const { source, deliver, watches, gaps } = watchedSource();
    vi.advanceTimersByTime(20_000);
    // Three calm watches a second apart, then 2 s, then 4 s from then on.
    expect([CALM_WATCHES_TO_SLOW, SLOWEST_WATCH]).toEqual([3, 4]);
    expect(gaps().slice(0, 4)).toEqual([1000, 1000, 2000, 4000]);
    expect(new Set(gaps().slice(3))).toEqual(new Set([4000]));
    expect(source.watchEveryMs()).toBe(1000 * SLOWEST_WATCH);

    // An event: the next watch is a second after it, and the pace stays until calm again.
    vi.advanceTimersByTime(1500);
    const at = Date.now();
    deliver(exit(4242));
    expect(source.watchEveryMs()).toBe(1000);
    vi.advanceTimersByTime(CALM_WATCHES_TO_SLOW * 1000 + 10);
    expect(watches.filter((t) => t > at)).toEqual(
      Array.from({ length: CALM_WATCHES_TO_SLOW }, (_, i) => at + 1000 * (i + 1)),
    );
    source.close();
  });

  it('slows down all the same when what it finds is figures that moved, not processes gone', () => {
    const { source, gaps, state } = watchedSource();
    // A busy process: its CPU figure moves on every watch.
    state.news = {
      changed: [{ pid: 77, state: 'R', cpu: 100 }],
      removed: [],
    } as unknown as Sample;
    vi.advanceTimersByTime(20_000);
    expect(gaps().slice(0, 4)).toEqual([1000, 1000, 2000, 4000]);
    source.close();
  });

  it('keeps its pace while the watches find processes gone, or something is near a limit', () => {
    const { source, gaps, state } = watchedSource();
    // A zombie reaped, or an exit the events missed.
    state.news = { changed: [], removed: [{ pid: 4242, startTime: 1 }] } as unknown as Sample;
    vi.advanceTimersByTime(10_000);
    expect(new Set(gaps())).toEqual(new Set([1000]));
    state.news = null;
    state.calm = false;
    vi.advanceTimersByTime(10_000);
    expect(new Set(gaps())).toEqual(new Set([1000]));
    expect(source.watchEveryMs()).toBe(1000);
    source.close();
  });
});

describe('calm', () => {
  const record = (pid: number, containerId: string | null) =>
    ({ pid, state: 'S', containerId }) as unknown as ProcessRecord;
  const scannerOf = (records: ProcessRecord[]) =>
    ({
      ...emptyScanner,
      scan: () => ({
        processes: records,
        changed: records,
        removed: [],
        at: 1,
        durationMs: 1,
        vanished: 0,
      }),
      records: () => records[Symbol.iterator](),
    }) as unknown as ProcScanner;

  it('is not while a container is within 10% of its pids.max, or the host of its limit', () => {
    const pids = (current: number, effectiveMax: number | null) => ({
      readPids: () => ({
        path: '/docker/c1',
        dir: '/sys/fs/cgroup/pids/docker/c1',
        version: 1 as const,
        current,
        max: effectiveMax,
        effectiveMax,
        forkFailures: 0,
        peak: null,
      }),
    });
    const scanner = scannerOf([record(10, 'c1')]);
    const calm = (current: number, max: number | null, host = HOST) => {
      const sampling = new Sampling(scanner, pids(current, max), '/proc', () => host);
      sampling.walk(true, 'scan');
      return sampling.calm();
    };
    expect(calm(89, 100)).toBe(true);
    expect(calm(90, 100)).toBe(false);
    expect(calm(100, 100)).toBe(false);
    expect(calm(5000, null)).toBe(true);
    const limit = HOST.tasks + HOST.headroom;
    const near = {
      ...HOST,
      tasks: Math.ceil(0.9 * limit),
      headroom: limit - Math.ceil(0.9 * limit),
    };
    expect(calm(1, 100, near)).toBe(false);
    const below = {
      ...HOST,
      tasks: Math.floor(0.89 * limit),
      headroom: limit - Math.floor(0.89 * limit),
    };
    expect(calm(1, 100, below)).toBe(true);
  });
});
