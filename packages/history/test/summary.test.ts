import { describe, expect, it } from 'vitest';
import {
  applySummary,
  bucketMax,
  decodeSummary,
  encodeSummary,
  Series,
  type Summary,
  summarize,
  summaryDelta,
} from '../src/index.js';
import { world } from './support.js';

const base: Summary = {
  tasks: 100,
  zombies: 0,
  headroom: 32_368,
  limit: 32_468,
  containers: new Map([['a', [5, 300, 0] as const]]),
};

describe('summary deltas', () => {
  it.each([
    [
      'everything for a keyframe',
      null,
      base,
      { t: 100, z: 0, r: 32_368, l: 32_468, c: { a: [5, 300, 0] } },
    ],
    ['nothing when nothing changed', base, base, {}],
    [
      'a changed host field',
      base,
      { ...base, tasks: 101, headroom: 32_367 },
      { t: 101, r: 32_367 },
    ],
    [
      'a changed, a new and a gone container',
      base,
      { ...base, containers: new Map([['b', [1, null, 0] as const]]) },
      { c: { b: [1, null, 0], a: null } },
    ],
  ])('%s', (_name, prev, next, expected) => {
    const d = summaryDelta(prev, next);
    expect(d).toEqual(expected);
    const back = applySummary(prev, decodeSummary(encodeSummary(d)));
    expect(back).toEqual(next);
  });

  it.each([
    ['empty text', '', {}],
    [
      'mistyped fields left out',
      '{"t":"x","z":1,"c":{"a":[1,2],"b":[1,null,3],"d":null}}',
      { z: 1, c: { b: [1, null, 3], d: null } },
    ],
  ])('decodes %s', (_name, text, expected) => {
    expect(decodeSummary(text)).toEqual(expected);
  });

  it('summarize reads the host limit as min(pid_max - 300, threads-max)', () => {
    const { initial } = world(1, 0);
    const s = summarize(initial);
    expect(s.limit).toBe(32_468);
    expect(s.tasks).toBe(initial.host.tasks);
  });
});

describe('series', () => {
  it.each([
    ['a value holds until the next point', [0, 10], [1, 5], 0, 20, 4, [1, 1, 5, 5]],
    ['the highest in a bucket wins', [0, 1, 2, 3], [1, 9, 2, 3], 0, 4, 2, [9, 3]],
    ['nothing before the first point', [10], [7], 0, 20, 4, [null, null, 7, 7]],
    ['null is a gap', [0, 5, 10], [3, null, 4], 0, 15, 3, [3, null, 4]],
  ])('%s', (_name, at, values, from, to, n, expected) => {
    const pts = { at, values: values as (number | null)[] };
    expect(bucketMax(pts, (v) => v, from, (to - from) / n, n)).toEqual(expected);
  });

  it('keeps host and container series, gaps between recordings and drops old points', () => {
    const s = new Series();
    s.push(0, base);
    s.push(1000, { ...base, tasks: 150, containers: new Map([['a', [9, 300, 1] as const]]) });
    s.gap(2000);
    s.push(3000, { ...base, tasks: 120, containers: new Map() });
    const q = s.query(0, 4000, 4);
    expect(q.step).toBe(1000);
    expect(q.host.tasks).toEqual([100, 150, null, 120]);
    expect(q.containers).toEqual([
      {
        id: 'a',
        pidsCurrent: [5, 9, null, null],
        pidsMax: [300, 300, null, null],
        forkFailures: [0, 1, null, null],
      },
    ]);
    s.dropBefore(1500);
    expect(s.query(0, 4000, 4).host.tasks).toEqual([null, null, null, 120]);
  });
});
