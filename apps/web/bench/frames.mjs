// Frame statistics from animation-frame timestamps (ms), pure so they can be tested and merged
// across the benchmark's blocks.

/** One vsync at 60 Hz. */
export const FRAME_MS = 1000 / 60;

/** A gap between frames longer than this missed at least one vsync: a late frame. */
export const LATE_MS = 1.5 * FRAME_MS;

/**
 * Frames drawn, frames dropped (vsyncs with no frame: a 33 ms gap is one dropped), late frames
 * (gaps over LATE_MS, however many vsyncs each missed), the worst gap and the fewest frames in any
 * one-second window that starts at a frame.
 */
export function frameStats(times) {
  let dropped = 0;
  let late = 0;
  let worstGap = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = times[i] - times[i - 1];
    worstGap = Math.max(worstGap, gap);
    dropped += Math.max(0, Math.round(gap / FRAME_MS) - 1);
    if (gap > LATE_MS) late++;
  }
  let worstSecond = Number.POSITIVE_INFINITY;
  const last = times.at(-1) ?? 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j] < times[i] + 1000) j++;
    if (times[i] + 1000 <= last) worstSecond = Math.min(worstSecond, j - i);
  }
  const span = times.length > 1 ? (last - times[0]) / 1000 : 0;
  return {
    frames: times.length,
    intervals: Math.max(0, times.length - 1),
    span,
    dropped,
    late,
    worstGap,
    worstSecond,
  };
}

/** Blocks measured apart, as one: rates over their summed spans, the worst of each extreme. */
export function mergeFrames(blocks) {
  const sum = (k) => blocks.reduce((n, b) => n + b[k], 0);
  const span = sum('span');
  const dropped = sum('dropped');
  const late = sum('late');
  return {
    blocks: blocks.length,
    frames: sum('frames'),
    span,
    fps: span > 0 ? sum('intervals') / span : Number.NaN,
    dropped,
    droppedPerMinute: span > 0 ? (dropped / span) * 60 : Number.NaN,
    late,
    latePerMinute: span > 0 ? (late / span) * 60 : Number.NaN,
    worstGap: Math.max(0, ...blocks.map((b) => b.worstGap)),
    worstSecond: Math.min(...blocks.map((b) => b.worstSecond)),
    worstSeconds: blocks.map((b) => b.worstSecond),
  };
}
