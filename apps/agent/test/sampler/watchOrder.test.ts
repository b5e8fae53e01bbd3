// The watch comes after the events the kernel already queued, on fakes: its reads must not tell
// an exit or a reparenting that an event names as its own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventSource } from '../../src/sampler/eventSource.js';
import type { Sample } from '../../src/sampler/messages.js';
import type { Sampling } from '../../src/sampler/sample.js';
import type { Touched } from '../../src/sampler/touched.js';
import { exit, fakeConnector, fork } from './fakeConnector.js';

const WATCH_MS = 1000;

/** A Sampling that logs what it was asked, in order; `during` runs in each reread. */
function fakeSampling() {
  const log: string[] = [];
  const hooks = { during: () => {}, young: false };
  const sampling = {
    reread: (t: Touched) => {
      log.push(`reread ${[...t.read].join(',')}`);
      hooks.during();
      return null;
    },
    watch: (all: boolean) => {
      log.push(all ? 'watch' : 'young');
      return null;
    },
    walk: () => ({}) as Sample,
    hasYoung: () => hooks.young,
    // Near a limit: the watch keeps its pace, which these tests count on.
    calm: () => false,
  } as unknown as Sampling;
  return { sampling, log, hooks };
}

describe('the watch after queued events', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function source() {
    const c = fakeConnector();
    const s = fakeSampling();
    const hooks = { emit: () => {}, error: () => {}, stopped: () => {} };
    const events = new EventSource(
      c.connector,
      s.sampling,
      { receiveBufferBytes: 0, watchMs: WATCH_MS },
      hooks,
    );
    events.start();
    return { ...c, ...s, events };
  }

  it('reads an exit still in the socket as events before the watch looks', () => {
    const { queued, log, events } = source();
    vi.advanceTimersByTime(WATCH_MS - 1);
    queued.push(exit(4242));
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['reread 4242', 'watch']);
    events.close();
  });

  it('reads a window still coalescing before the watch, and not again after it', () => {
    const { deliver, log, events } = source();
    vi.advanceTimersByTime(WATCH_MS - 2);
    deliver(exit(77));
    vi.advanceTimersByTime(2);
    expect(log).toEqual(['reread 77', 'watch']);
    vi.advanceTimersByTime(100);
    expect(log).toEqual(['reread 77', 'watch']);
    events.close();
  });

  it('in a storm, reads an exit that came during a flush before the watch that flush runs', () => {
    const { deliver, log, hooks, events } = source();
    // A storm from t = 500 ms: its flushes keep a cadence with the socket resting, and the watch's
    // clock, whose wake-ups are gone, ticks in them.
    vi.advanceTimersByTime(500);
    // The flush in which the watch falls due sees an exit come in while it reads.
    let injected = false;
    hooks.during = () => {
      if (injected || Date.now() < 1_000_000 + WATCH_MS) return;
      injected = true;
      deliver(exit(4242));
    };
    for (let i = 0; i < 400; i++) {
      deliver(fork(10_000 + i));
      vi.advanceTimersByTime(2);
    }
    const watch = log.indexOf('watch');
    const exitRead = log.findIndex((l) => l.split(' ')[1]?.split(',').includes('4242'));
    expect(injected).toBe(true);
    expect(watch).toBeGreaterThan(0);
    expect(exitRead).toBeGreaterThan(0);
    expect(exitRead).toBeLessThan(watch);
    events.close();
  });

  it('reads an exit still in the socket as events before a look at young processes', () => {
    const { deliver, queued, log, hooks, events } = source();
    hooks.young = true;
    deliver(fork(5));
    vi.advanceTimersByTime(10);
    expect(log).toEqual(['reread 5']);
    // It exits; the young look falls due before anything wakes for the event.
    queued.push(exit(5));
    vi.advanceTimersByTime(100);
    expect(log).toEqual(['reread 5', 'reread 5', 'young']);
    events.close();
  });

  it('only watches when nothing is queued', () => {
    const { log, events } = source();
    vi.advanceTimersByTime(WATCH_MS * 2);
    expect(log).toEqual(['watch', 'watch']);
    events.close();
  });
});
