import { describe, expect, it } from 'vitest';
import { FRAME_MS, frameStats, mergeFrames } from '../bench/frames.mjs';

/** Frame times at 60 Hz for `seconds`, with the vsyncs at `skip` (indices) missing. */
function vsyncs(seconds: number, skip: number[] = []): number[] {
  const out: number[] = [];
  for (let i = 0; i <= seconds * 60; i++) if (!skip.includes(i)) out.push(1000 + i * FRAME_MS);
  return out;
}

describe('frameStats', () => {
  it.each([
    { what: 'every vsync', skip: [], dropped: 0, worstSecond: 60 },
    { what: 'one vsync missed', skip: [100], dropped: 1, worstSecond: 59 },
    { what: 'two missed in a row', skip: [100, 101], dropped: 2, worstSecond: 58 },
    { what: 'two missed a second apart', skip: [100, 200], dropped: 2, worstSecond: 59 },
  ])('$what: $dropped dropped, worst second $worstSecond', ({ skip, dropped, worstSecond }) => {
    const s = frameStats(vsyncs(10, skip));
    expect(s.dropped).toBe(dropped);
    expect(s.worstSecond).toBe(worstSecond);
    expect(s.span).toBeCloseTo(10, 6);
  });

  it('counts each gap over 1.5 frame times once as late, however many vsyncs it missed', () => {
    const s = frameStats(vsyncs(10, [100, 101, 300]));
    expect(s.late).toBe(2);
    expect(s.dropped).toBe(3);
  });

  it('counts a late frame that still lands before the next vsync as drawn', () => {
    const times = vsyncs(3);
    times[30] = (times[30] as number) + 0.4 * FRAME_MS;
    expect(frameStats(times).dropped).toBe(0);
  });
});

describe('mergeFrames', () => {
  it('adds blocks: rates over the summed span, the worst second of any block', () => {
    const m = mergeFrames([frameStats(vsyncs(60)), frameStats(vsyncs(60, [500]))]);
    expect(m.blocks).toBe(2);
    expect(m.dropped).toBe(1);
    expect(m.droppedPerMinute).toBeCloseTo(0.5, 6);
    expect(m.late).toBe(1);
    expect(m.latePerMinute).toBeCloseTo(0.5, 6);
    expect(m.worstSecond).toBe(59);
    expect(m.worstSeconds).toEqual([60, 59]);
    expect(m.fps).toBeCloseTo((2 * 3600 - 1) / 120, 6);
  });
});
