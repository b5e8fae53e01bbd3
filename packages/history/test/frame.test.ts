import { describe, expect, it } from 'vitest';
import {
  CONTINUES,
  checkSegmentHeader,
  decodeFrameHead,
  EVENT_TYPE_BITS,
  encodeFrame,
  encodeSegmentHeader,
  FRAME_HEAD_BYTES,
  type FrameInput,
  FrameKind,
  frameIntact,
  frameSections,
  HistoryError,
  typeMask,
} from '../src/index.js';

const input: FrameInput = {
  kind: FrameKind.Ticks,
  flags: 0,
  fromAt: 1_700_000_000_123,
  toAt: 1_700_000_000_999.5,
  lastEventId: 2 ** 40 + 7,
  typeMask: typeMask(['zombie-appeared', 'pids-limit-hit']),
  eventCount: 3,
  summary: '{"t":12}',
  events: Uint8Array.from([1, 2, 3]),
  payload: Uint8Array.from([9, 8, 7, 6]),
};

describe('segment header', () => {
  it('round-trips', () => {
    expect(() => checkSegmentHeader(encodeSegmentHeader(), 'f')).not.toThrow();
  });
  it.each([
    ['bad magic', Buffer.from('NOTPIDSC\x01\x00\x00\x00\x00\x00\x00\x00', 'latin1'), /bad magic/],
    ['too short', Buffer.from('PIDSCOPE', 'latin1'), /bad magic/],
    [
      'another version',
      Buffer.concat([Buffer.from('PIDSCOPE', 'latin1'), Buffer.from([2, 0, 0, 0, 0, 0, 0, 0])]),
      /format version 2/,
    ],
  ])('%s is ECORRUPT', (_name, bytes, message) => {
    try {
      checkSegmentHeader(bytes, 'seg');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(HistoryError);
      expect((err as HistoryError).code).toBe('ECORRUPT');
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('frames', () => {
  const frame = encodeFrame(input);

  it('round-trips every field of the fixed part and the sections', () => {
    const head = decodeFrameHead(frame, frame.length);
    expect(head).toEqual({
      kind: FrameKind.Ticks,
      flags: 0,
      length: frame.length,
      crc: frame.readUInt32LE(4),
      summaryLength: 8,
      eventsLength: 3,
      fromAt: input.fromAt,
      toAt: input.toAt,
      lastEventId: input.lastEventId,
      typeMask: EVENT_TYPE_BITS['zombie-appeared'] | EVENT_TYPE_BITS['pids-limit-hit'],
      eventCount: 3,
    });
    if (typeof head === 'string') throw new Error(head);
    const sections = frameSections(frame, head);
    expect(sections.summary).toBe('{"t":12}');
    expect([...sections.events]).toEqual([1, 2, 3]);
    expect([...sections.payload]).toEqual([9, 8, 7, 6]);
    expect(frameIntact(frame)).toBe(true);
  });

  it('keeps a keyframe and its flags', () => {
    const k = encodeFrame({ ...input, kind: FrameKind.Keyframe, flags: CONTINUES });
    expect(decodeFrameHead(k, k.length)).toMatchObject({ kind: FrameKind.Keyframe, flags: 1 });
  });

  it.each([
    ['fewer bytes than a head', frame.subarray(0, FRAME_HEAD_BYTES - 1), frame.length, 'short'],
    ['a body longer than the file', frame, frame.length - 1, 'short'],
    ['a zero length', Buffer.alloc(FRAME_HEAD_BYTES), 1000, 'bad-length'],
    [
      'a length over the limit',
      Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x7f]), frame.subarray(4)]),
      2 ** 31,
      'bad-length',
    ],
    [
      'an unknown kind',
      (() => {
        const b = Buffer.from(frame);
        b[8] = 7;
        return b;
      })(),
      frame.length,
      'bad-kind',
    ],
    [
      'sections longer than the body',
      (() => {
        const b = Buffer.from(frame);
        b.writeUInt32LE(10_000, 12);
        return b;
      })(),
      frame.length,
      'bad-length',
    ],
  ])('%s is not a frame', (_name, bytes, available, why) => {
    expect(decodeFrameHead(bytes, available)).toBe(why);
  });

  it('a flipped bit anywhere in the body fails the CRC', () => {
    for (let i = 8; i < frame.length; i++) {
      const b = Buffer.from(frame);
      b[i] = (b[i] as number) ^ 0x10;
      expect(frameIntact(b), `byte ${i}`).toBe(false);
    }
  });

  it('the type mask ignores unknown types and gives every known type its own bit', () => {
    expect(typeMask(['nope'])).toBe(0);
    const bits = Object.values(EVENT_TYPE_BITS);
    expect(new Set(bits).size).toBe(bits.length);
    expect(typeMask(Object.keys(EVENT_TYPE_BITS))).toBe(bits.reduce((a, b) => a | b, 0));
  });
});
