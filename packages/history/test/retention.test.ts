import { describe, expect, it } from 'vitest';
import { type SegmentInfo, segmentLimits, segmentsToDrop, shouldRotate } from '../src/index.js';

const H = 3_600_000;
const seg = (name: string, bytes: number, fromAt: number, toAt: number): SegmentInfo => ({
  name,
  bytes,
  fromAt,
  toAt,
});
const now = 100 * H;

describe('segmentsToDrop', () => {
  it.each([
    [
      'nothing when all fits and is recent',
      [seg('a', 10, now - 2 * H, now - H), seg('b', 10, now - H, now)],
      24 * H,
      100,
      0,
      [],
    ],
    [
      'what is older than the retention',
      [
        seg('a', 10, now - 30 * H, now - 25 * H),
        seg('b', 10, now - 25 * H, now - 23 * H),
        seg('c', 10, now - H, now),
      ],
      24 * H,
      100,
      0,
      ['a'],
    ],
    [
      'the oldest until the bytes fit',
      [seg('a', 40, 0, 1), seg('b', 40, 1, 2), seg('c', 40, 2, now)],
      1000 * H,
      100,
      10,
      ['a'],
    ],
    [
      'counting the incoming frame',
      [seg('a', 40, 0, 1), seg('b', 40, 1, now)],
      1000 * H,
      100,
      21,
      ['a'],
    ],
    ['never the segment being written', [seg('a', 500, 0, now)], 1, 100, 0, []],
    [
      'old and over budget together',
      [seg('a', 10, 0, 1), seg('b', 80, now - 1, now), seg('c', 30, now, now)],
      24 * H,
      100,
      0,
      ['a', 'b'],
    ],
  ])('drops %s', (_name, segments, retentionMs, maxBytes, incoming, expected) => {
    expect(segmentsToDrop(segments, now, { retentionMs, maxBytes }, incoming)).toEqual(expected);
  });
});

describe('segmentLimits', () => {
  it.each([
    [512 * 2 ** 20, 24 * H, 16 * 2 ** 20, H],
    [64 * 2 ** 20, 24 * H, 8 * 2 ** 20, H],
    [2 ** 20, 12 * H, 128 * 1024, 30 * 60_000],
    [100_000, 60_000, 16 * 1024, 10_000],
    [2 ** 20 / 4, 60_000, 32 * 1024, 10_000],
  ])(
    'maxBytes %i, retention %i ms → segments of %i bytes, %i ms',
    (maxBytes, retentionMs, bytes, ms) => {
      expect(segmentLimits({ maxBytes, retentionMs })).toEqual({
        segmentBytes: bytes,
        segmentMs: ms,
      });
    },
  );

  it.each([
    ['small and young', 100, 1000, false],
    ['big enough', 2000, 10, true],
    ['old enough', 10, 60_000, true],
  ])('rotates a segment %s: %s', (_name, bytes, span, expected) => {
    expect(shouldRotate(seg('a', bytes, 0, span), { segmentBytes: 2000, segmentMs: 60_000 })).toBe(
      expected,
    );
  });
});
