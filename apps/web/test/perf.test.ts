import { expect, it } from 'vitest';
import { MEASURES_KEPT, measureSince } from '../src/perf.js';

it('keeps the newest measures of a name, so an open page does not grow without end', () => {
  const name = 'pidscope:bounded';
  performance.clearMeasures(name);
  const total = MEASURES_KEPT * 2 + 10;
  // Measure i starts at i µs, so start times tell old from new.
  for (let i = 0; i < total; i++) measureSince('bounded', i / 1000);
  const kept = performance
    .getEntriesByName(name, 'measure')
    .map((m) => Math.round(m.startTime * 1000));
  expect(kept.length).toBeGreaterThanOrEqual(MEASURES_KEPT / 2);
  expect(kept.length).toBeLessThanOrEqual(MEASURES_KEPT);
  expect(Math.max(...kept)).toBe(total - 1);
  expect(Math.min(...kept)).toBeGreaterThan(MEASURES_KEPT);
  performance.clearMeasures(name);
});

it('leaves the measures of other names alone', () => {
  performance.clearMeasures('pidscope:other');
  measureSince('other', performance.now() - 5);
  for (let i = 0; i < MEASURES_KEPT + 1; i++) measureSince('bounded', performance.now());
  expect(performance.getEntriesByName('pidscope:other', 'measure')).toHaveLength(1);
  performance.clearMeasures('pidscope:other');
  performance.clearMeasures('pidscope:bounded');
});
