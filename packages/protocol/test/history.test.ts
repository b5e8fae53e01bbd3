import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import {
  EventsAnswer,
  EventsQuery,
  HistoryDiff,
  HistoryRange,
  HistorySeries,
  HistorySeriesQuery,
  parseEventTypes,
  ZombieLeaders,
  ZombieLeadersQuery,
} from '../src/index.js';
import { container, proc } from './fixtures.js';

const check = (schema: TSchema) => {
  const c = Compile(schema);
  return (v: unknown) => c.Check(v);
};

describe('history answers', () => {
  it('[H1] a range is null at both ends when nothing is recorded, and closed', () => {
    const ok = check(HistoryRange);
    const recording = { state: 'recording', reason: null, since: 1 };
    expect(ok({ from: null, to: null, bytes: 0, keyframes: 0, recording })).toBe(true);
    expect(ok({ from: 1, to: 2, bytes: 10, keyframes: 1, recording })).toBe(true);
    expect(ok({ from: 1, to: 2, bytes: 10, keyframes: 1, recording, extra: 1 })).toBe(false);
    expect(
      ok({ from: 1, to: 2, bytes: 1, keyframes: 1, recording: { ...recording, state: 'gone' } }),
    ).toBe(false);
  });

  it('[H4] a diff holds whole processes and containers, and partial updates', () => {
    const ok = check(HistoryDiff);
    const d = {
      from: 1,
      to: 2,
      processes: {
        appeared: [proc(5, 1)],
        vanished: [proc(6, 1)],
        changed: [{ pid: 7, startTime: 1, state: 'Z' }],
      },
      containers: { appeared: [container('a')], vanished: [], changed: [] },
      host: { tasks: 3 },
      events: [],
      more: false,
    };
    expect(ok(d)).toBe(true);
    expect(ok({ ...d, processes: { ...d.processes, appeared: [{ pid: 5, startTime: 1 }] } })).toBe(
      false,
    );
  });

  it.each([
    ['one type', 'zombie-appeared', ['zombie-appeared']],
    ['several, with spaces', 'reparented, pids-limit-hit', ['reparented', 'pids-limit-hit']],
  ])('[H5] the type filter reads %s', (_name, raw, types) => {
    expect(parseEventTypes(raw)).toEqual({ types: new Set(types) });
  });

  it.each([
    ['an unknown name', 'zombie,exited', ['zombie']],
    ['a prototype member', 'constructor', ['constructor']],
    ['nothing', ' , ', [' , ']],
  ])('[H5] the type filter refuses %s, naming it', (_name, raw, unknown) => {
    expect(parseEventTypes(raw)).toEqual({ unknown });
  });

  it('[H5] the events query bounds limit and container ids; the answer says whether there was more', () => {
    const q = check(EventsQuery);
    expect(q({ since: 1, until: 2, type: 'exited', containerId: 'ab'.repeat(6), limit: 10 })).toBe(
      true,
    );
    expect(q({ limit: 0 })).toBe(false);
    expect(q({ limit: 10_001 })).toBe(false);
    expect(q({ containerId: 'ABCDEF123456' })).toBe(false);
    expect(q({ containerId: 'abc' })).toBe(false);
    expect(q({ other: 1 })).toBe(false);
    expect(check(EventsAnswer)({ now: 1, events: [], more: false })).toBe(true);
    expect(check(EventsAnswer)({ now: 1, events: [] })).toBe(false);
  });

  it('[H6] series are buckets of numbers or null', () => {
    const ok = check(HistorySeries);
    const b = [1, null, 3];
    const s = {
      from: 0,
      to: 3,
      step: 1,
      host: { tasks: b, zombies: b, headroom: b, limit: b },
      containers: [{ id: 'a', pidsCurrent: b, pidsMax: b, forkFailures: b }],
    };
    expect(ok(s)).toBe(true);
    expect(ok({ ...s, host: { ...s.host, tasks: ['1'] } })).toBe(false);
    expect(check(HistorySeriesQuery)({ from: 0, to: 1, points: 2001 })).toBe(false);
  });

  it('[H9] leaders are per image and parent command, with a parent to show', () => {
    const ok = check(ZombieLeaders);
    const row = {
      image: null,
      parentComm: 'sleep',
      containerId: null,
      containerName: null,
      hasInit: null,
      created: 2,
      reaped: 1,
      alive: 1,
      oldestAgeMs: 1000,
      ratePerHour: 2,
      parent: { pid: 5, startTime: 9, alive: false, seenAt: 1 },
    };
    expect(ok({ window: '1h', from: 0, to: 1, leaders: [row] })).toBe(true);
    expect(ok({ window: '7d', from: 0, to: 1, leaders: [] })).toBe(false);
    expect(ok({ window: '1h', from: 0, to: 1, leaders: [{ ...row, parent: { pid: 5 } }] })).toBe(
      false,
    );
    expect(check(ZombieLeadersQuery)({ window: '24h' })).toBe(true);
    expect(check(ZombieLeadersQuery)({ window: '2h' })).toBe(false);
  });
});
