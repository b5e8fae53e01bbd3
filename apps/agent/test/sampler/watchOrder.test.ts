// The watch comes after the events the kernel already queued, on fakes: its reads must not tell
// an exit or a reparenting that an event names as its own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventSource } from '../../src/sampler/eventSource.js';
import type { Sample } from '../../src/sampler/messages.js';
import type { Sampling } from '../../src/sampler/sample.js';
import type { Touched } from '../../src/sampler/touched.js';
import { exit, fakeConnector } from './fakeConnector.js';

const WATCH_MS = 1000;

/** A Sampling that logs what it was asked, in order. */
function fakeSampling() {
  const log: string[] = [];
  const sampling = {
    reread: (t: Touched) => {
      log.push(`reread ${[...t.read].join(',')}`);
      return null;
    },
    watch: (all: boolean) => {
      log.push(all ? 'watch' : 'young');
      return null;
    },
    walk: () => ({}) as Sample,
    hasYoung: () => false,
    // Near a limit: the watch keeps its pace, which these tests count on.
    calm: () => false,
  } as unknown as Sampling;
  return { sampling, log };
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

  it('only watches when nothing is queued', () => {
    const { log, events } = source();
    vi.advanceTimersByTime(WATCH_MS * 2);
    expect(log).toEqual(['watch', 'watch']);
    events.close();
  });
});
