import { describe, expect, it } from 'vitest';
import { etaSeconds, type Point, roughly, Trends, theilSen } from '../../src/model/eta.js';

/** One point a second for `seconds`, value f(t in s). */
const series = (seconds: number, f: (t: number) => number): Point[] =>
  Array.from({ length: seconds + 1 }, (_, t) => ({ at: t * 1000, value: Math.round(f(t)) }));

/** A deterministic jitter in [-1, 1]. */
const jitter = (t: number) => Math.sin(t * 12.9898) * 0.5 + Math.sin(t * 78.233) * 0.5;

describe('etaSeconds', () => {
  it.each([
    ['a steady leak of 5 a second, 30 s in', series(30, (t) => 20 + 5 * t), 300, 26],
    ['the same with jitter of ±3', series(30, (t) => 20 + 5 * t + 3 * jitter(t)), 300, 26],
    ['one a second over ten minutes', series(600, (t) => 100 + t), 1000, 300],
    ['a leak with one burst in it', series(120, (t) => 10 + 2 * t + (t > 60 ? 40 : 0)), 1000, 355],
  ])('%s: about the time left', (_name, points, limit, expected) => {
    const eta = etaSeconds(points, limit, (points.at(-1) as Point).at);
    expect(eta).not.toBeNull();
    expect(Math.abs((eta as number) - expected) / expected).toBeLessThan(0.2);
  });

  it.each([
    ['less than 30 s of data', series(20, (t) => 5 * t), 300],
    ['a flat series', series(300, () => 42), 300],
    ['a falling series', series(300, (t) => 300 - t), 1000],
    ['noise around a level', series(300, (t) => 100 + 5 * jitter(t)), 1000],
    ['a leak that stopped a minute ago', series(300, (t) => Math.min(10 + 2 * t, 490)), 1000],
    ['a single jump, flat since', series(300, (t) => (t < 100 ? 10 : 200)), 1000],
  ])('%s: no estimate', (_name, points, limit) => {
    expect(etaSeconds(points, limit, (points.at(-1) as Point).at)).toBeNull();
  });

  it('is 0 once the trend is at the limit', () => {
    const points = series(60, (t) => 200 + 2 * t);
    expect(etaSeconds(points, 300, 60_000)).toBe(0);
  });
});

describe('theilSen', () => {
  it('ignores outliers that a least-squares line would follow', () => {
    const points = series(50, (t) => 3 * t).map((p, i) => (i === 25 ? { ...p, value: 10_000 } : p));
    const fit = theilSen(points);
    expect(fit.slope * 1000).toBeCloseTo(3, 5);
    expect(fit.tau).toBeGreaterThan(0.9);
  });
});

describe('roughly', () => {
  it.each([
    [3.4, 3],
    [9.6, 10],
    [26.3, 26],
    [418, 420],
    [1234, 1200],
    [86_399, 86_000],
  ])('%d → %d', (s, r) => {
    expect(roughly(s)).toBe(r);
  });
});

/** A one-minute window, fitted once the points span 30 s, at 500 ms resolution. */
const MINUTE = {
  windowMs: 60_000,
  minSpanMs: 30_000,
  recentMs: 20_000,
  minTau: 0.5,
  maxPoints: 60,
  resolutionMs: 500,
};

describe('Trends', () => {
  it('keeps a window per scope and forgets scopes that go', () => {
    const t = new Trends(MINUTE);
    let eta: number | null = null;
    for (let s = 0; s <= 120; s++) {
      eta = t.push('a', s * 1000, 10 + s, 1000);
      t.push('b', s * 1000, 5, 1000);
    }
    expect(eta).toBeGreaterThan(800);
    expect(t.push('b', 121_000, 5, 1000)).toBeNull();
    expect(t.push('a', 121_000, 131, null)).toBeNull();
    t.retain(new Set(['b']));
    expect(t.push('a', 122_000, 132, 1000)).toBeNull();
  });

  it('fits at most once per resolution, unless the limit moves or the series reaches it', () => {
    const t = new Trends(MINUTE);
    for (let s = 0; s <= 60; s++) t.push('a', s * 1000, 10 + s, 1000);
    const fitted = t.push('a', 60_500, 71, 1000);
    expect(fitted).toBeGreaterThan(800);
    // A burst of commits within the resolution answers the same fit…
    expect(t.push('a', 60_700, 500, 1000)).toBe(fitted);
    // …but not with another limit, nor once the series is at it.
    expect(t.push('a', 60_800, 500, 2000)).not.toBe(fitted);
    expect(t.push('a', 60_900, 2000, 2000)).toBe(0);
    // Past the resolution it fits again: 100 tasks left, at about one a second.
    expect(t.push('a', 61_400, 900, 1000)).toBeLessThan(200);
  });
});
