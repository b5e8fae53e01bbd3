import type { Event, HistorySeries, HistoryState } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import {
  atOf,
  readMoment,
  timelineWindow,
  withMoment,
  xOf,
} from '../src/features/history/moment.js';
import { pastView } from '../src/features/history/pastView.js';
import { ticksOf } from '../src/features/history/Timeline.js';
import { fullIn } from '../src/model/headroom.js';
import { state as hostState } from './fixtures/hosts.js';

describe('the moment in the URL', () => {
  it.each([
    ['http://h/?at=1700000000000', 1_700_000_000_000],
    ['http://h/?pid=4&start=9&at=1700000000000', 1_700_000_000_000],
    ['http://h/', null],
    ['http://h/?at=', null],
    ['http://h/?at=-5', null],
    ['http://h/?at=1e12', null],
    ['http://h/?at=12abc', null],
  ])('%s reads as %s', (href, at) => {
    expect(readMoment(href)).toBe(at);
  });

  it('is set and removed, keeping the rest of the URL', () => {
    const url = withMoment('http://h/?pid=4&start=9', 1_700_000_000_123.4);
    expect(url).toBe('http://h/?pid=4&start=9&at=1700000000123');
    expect(withMoment(url, null)).toBe('http://h/?pid=4&start=9');
  });
});

describe('the timeline', () => {
  it.each([
    ['a span within the recording', { from: 0 }, 10_000, 4000, { from: 6000, to: 10_000 }],
    ['starts where the recording does', { from: 8000 }, 10_000, 4000, { from: 8000, to: 10_000 }],
    ['nothing recorded yet', { from: null }, 10_000, 4000, { from: 6000, to: 10_000 }],
  ])('window: %s', (_name, range, end, span, expected) => {
    expect(timelineWindow(range, end, span)).toEqual(expected);
  });

  it('maps moments to pixels and back, clamped to the track', () => {
    const w = { from: 1000, to: 2000 };
    expect(xOf(1500, w, 200)).toBe(100);
    expect(atOf(100, w, 200)).toBe(1500);
    expect(atOf(-5, w, 200)).toBe(1000);
    expect(atOf(500, w, 200)).toBe(2000);
  });

  it('draws one tick per type and column, counting the events in it', () => {
    const e = (type: Event['type'], at: number): Event => ({
      id: at,
      type,
      at,
      pid: 1,
      startTime: 1,
      containerId: null,
      message: '',
    });
    const ticks = ticksOf(
      [
        e('zombie-appeared', 0),
        e('zombie-appeared', 1),
        e('reparented', 1),
        e('pids-limit-hit', 3999),
        e('exited', 5000),
      ],
      { from: 0, to: 4000 },
    );
    expect(ticks).toEqual([
      { column: 0, type: 'zombie-appeared', count: 2 },
      { column: 0, type: 'reparented', count: 1 },
      { column: 399, type: 'pids-limit-hit', count: 1 },
    ]);
  });
});

describe('fullIn', () => {
  it.each([
    [null, null],
    [0, 'full now'],
    [45, 'full in ~45 s'],
    [418, 'full in ~7 min'],
    [7200, 'full in ~2 h'],
    [5 * 86_400, 'full in ~5 days'],
  ])('%s s → %s', (s, text) => {
    expect(fullIn(s)).toBe(text);
  });
});

describe('a past moment as the page view', () => {
  it('holds the recorded state, its events, its reparented processes and its sparklines', () => {
    const state = hostState();
    const recorded: HistoryState = { at: 5000, recordedAt: 4200, state };
    const series: HistorySeries = {
      from: 0,
      to: 4000,
      step: 1000,
      host: {
        tasks: [1, null, 3, 4],
        zombies: [0, 0, 1, 1],
        headroom: [9, 9, 9, 9],
        limit: [10, 10, 10, 10],
      },
      containers: [
        {
          id: 'c1',
          pidsCurrent: [2, 2, null, 3],
          pidsMax: [5, 5, null, 5],
          forkFailures: [0, 0, null, 1],
        },
      ],
    };
    const events: Event[] = [
      {
        id: 1,
        type: 'reparented',
        at: 4100,
        pid: 7,
        startTime: 70,
        containerId: null,
        oldPpid: 3,
        newPpid: 1,
        message: '',
      },
    ];
    const view = pastView({ hello: null, recorded, events, series });
    expect(view.state).toBe(state);
    expect(view.now).toBe(5000);
    expect(view.updatedAt).toBe(4200);
    expect(view.events).toBe(events);
    expect([...view.reparented]).toEqual([['7:70', 4100]]);
    expect(view.history.get('host:tasks')).toEqual([
      { at: 500, value: 1 },
      { at: 2500, value: 3 },
      { at: 3500, value: 4 },
    ]);
    expect(view.history.get('ctr:c1:pids').map((s) => s.value)).toEqual([2, 2, 3]);
  });
});
