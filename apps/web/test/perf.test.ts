import { expect, it } from 'vitest';
import { MEASURES_KEPT, markCommitted, markReceived, measureSince } from '../src/perf.js';

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

it('marks the first tree on screen once, after the frame that draws the first snapshot', async () => {
  const drawnMarks = () => performance.getEntriesByName('pidscope:tree-drawn', 'mark');
  performance.clearMarks('pidscope:tree-drawn');
  markReceived('snapshot', 4);
  markCommitted(3);
  await nextFrameAndMessage();
  expect(drawnMarks()).toHaveLength(0);
  markCommitted(4);
  await nextFrameAndMessage();
  expect(drawnMarks()).toHaveLength(1);
  markReceived('snapshot', 9);
  markCommitted(9);
  await nextFrameAndMessage();
  expect(drawnMarks()).toHaveLength(1);
});

/** Resolves after the next animation frame and a message posted from it. */
function nextFrameAndMessage(): Promise<void> {
  return new Promise((resolve) =>
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        setTimeout(resolve, 0);
      };
      channel.port2.postMessage(null);
    }),
  );
}
