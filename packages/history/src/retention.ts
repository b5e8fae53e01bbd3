// What to keep: pure decisions over segment sizes and times. Data goes a whole segment at a
// time, oldest first; every segment starts with a keyframe, so what is left always replays.

export interface SegmentInfo {
  name: string;
  bytes: number;
  /** First and last recorded moments in it. */
  fromAt: number;
  toAt: number;
}

export interface Limits {
  /** Data older than this goes. */
  retentionMs: number;
  /** The store's files never add up to more than this. */
  maxBytes: number;
}

export interface SegmentLimits {
  /** A segment this big is closed and a new one started. */
  segmentBytes: number;
  /** A segment that spans this long is closed too, so time-based retention is this fine. */
  segmentMs: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Segment sizes for the limits: an eighth of the disk budget (at most 16 MiB, at least 16 KiB), so
 * dropping the oldest frees a useful share while seven more stay; and a 24th of the retention
 * (at most an hour, at least ten seconds).
 */
export function segmentLimits(limits: Limits): SegmentLimits {
  return {
    segmentBytes: Math.min(16 * MiB, Math.max(16 * KiB, Math.floor(limits.maxBytes / 8))),
    segmentMs: Math.min(3_600_000, Math.max(10_000, Math.floor(limits.retentionMs / 24))),
  };
}

/** Whether the active segment is done: big enough, or spanning long enough. */
export function shouldRotate(active: SegmentInfo, s: SegmentLimits): boolean {
  return active.bytes >= s.segmentBytes || active.toAt - active.fromAt >= s.segmentMs;
}

/**
 * The segments to delete (oldest first) before `incoming` bytes are written: those whose newest
 * data is older than the retention, then the oldest until the rest and `incoming` fit in
 * `maxBytes`. `segments` are oldest first; the last one is being written and is never dropped
 * (when it alone is over budget, the caller rotates first).
 */
export function segmentsToDrop(
  segments: readonly SegmentInfo[],
  now: number,
  limits: Limits,
  incoming: number,
): string[] {
  const drop: string[] = [];
  const sealed = segments.slice(0, -1);
  let total = incoming;
  for (const s of segments) total += s.bytes;
  const cutoff = now - limits.retentionMs;
  for (const s of sealed) {
    if (s.toAt >= cutoff && total <= limits.maxBytes) break;
    drop.push(s.name);
    total -= s.bytes;
  }
  return drop;
}
