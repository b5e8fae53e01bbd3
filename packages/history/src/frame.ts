// The on-disk format, as pure functions over bytes. A store is a directory of segment files; a
// segment is a header followed by frames; a frame is a length, a CRC-32 and a body whose fixed
// part is readable without inflating anything (what the index is built from at open).
//
//   segment header (16 bytes)   "PIDSCOPE" | u32 format version | u32 0
//   frame                       u32 body length | u32 crc32(body) | body
//   body: fixed part (40 bytes) u8 kind | u8 flags | u16 summary length | u32 events length
//                               f64 fromAt | f64 toAt | f64 lastEventId
//                               u32 event type mask | u32 event count
//         then                  summary (JSON) | events (deflate-raw JSON) | payload (deflate-raw JSON)
//
// Numbers are little-endian. A keyframe's payload is a whole State; a ticks frame's payload is the
// patches of consecutive ticks (without their events, which are the events section).
import { crc32 } from 'node:zlib';
import type { EventType } from '@pidscope/protocol';
import { HistoryError } from './errors.js';

export const SEGMENT_MAGIC = 'PIDSCOPE';
export const FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
/** Length and CRC in front of every body. */
export const FRAME_PREFIX_BYTES = 8;
export const FIXED_BODY_BYTES = 40;
/** What a reader fetches to learn everything but the sections of a frame. */
export const FRAME_HEAD_BYTES = FRAME_PREFIX_BYTES + FIXED_BODY_BYTES;
/** No frame is bigger: a longer length field is garbage, not a frame. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export const FrameKind = { Keyframe: 1, Ticks: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/**
 * A keyframe that carries on the recording of the frame before it without a gap (a new segment
 * while the agent runs), as opposed to one that starts a recording (agent start, end of a pause).
 */
export const CONTINUES = 1;

/**
 * The bit of each event type in a frame's type mask. Bits are part of the format: a new type takes
 * a new bit, an old bit is never reused.
 */
export const EVENT_TYPE_BITS = {
  'zombie-appeared': 1 << 0,
  'zombie-reaped': 1 << 1,
  reparented: 1 << 2,
  exited: 1 << 3,
  'container-started': 1 << 4,
  'container-stopped': 1 << 5,
  'pids-limit-hit': 1 << 6,
} as const satisfies Record<EventType, number>;

export function typeMask(types: Iterable<string>): number {
  let mask = 0;
  for (const t of types) mask |= (EVENT_TYPE_BITS as Record<string, number>)[t] ?? 0;
  return mask >>> 0;
}

/** The fixed part of a frame, plus where it sits in its segment. */
export interface FrameHead {
  kind: FrameKind;
  flags: number;
  /** Bytes of the whole frame, prefix included. */
  length: number;
  crc: number;
  summaryLength: number;
  eventsLength: number;
  fromAt: number;
  toAt: number;
  /** The highest event id recorded up to and including this frame (0 before any). */
  lastEventId: number;
  typeMask: number;
  eventCount: number;
}

export interface FrameInput {
  kind: FrameKind;
  flags: number;
  fromAt: number;
  toAt: number;
  lastEventId: number;
  typeMask: number;
  eventCount: number;
  /** Headroom numbers for the series, as JSON text (small: only what changed). */
  summary: string;
  /** deflate-raw of the events' JSON; empty for a keyframe. */
  events: Uint8Array;
  /** deflate-raw of the payload's JSON. */
  payload: Uint8Array;
}

export function encodeSegmentHeader(): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  b.write(SEGMENT_MAGIC, 0, 'latin1');
  b.writeUInt32LE(FORMAT_VERSION, 8);
  return b;
}

/** Throws HistoryError ECORRUPT when `b` is not a segment header this version reads. */
export function checkSegmentHeader(b: Uint8Array, file: string): void {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < SEGMENT_HEADER_BYTES || buf.toString('latin1', 0, 8) !== SEGMENT_MAGIC) {
    throw new HistoryError('ECORRUPT', file, 'not a pidscope history segment (bad magic)');
  }
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) {
    throw new HistoryError(
      'ECORRUPT',
      file,
      `segment format version ${version}; this agent reads version ${FORMAT_VERSION}`,
    );
  }
}

export function encodeFrame(f: FrameInput): Buffer {
  const summary = Buffer.from(f.summary, 'utf8');
  if (summary.length > 0xffff) throw new RangeError(`frame summary of ${summary.length} bytes`);
  const bodyLength = FIXED_BODY_BYTES + summary.length + f.events.length + f.payload.length;
  const b = Buffer.alloc(FRAME_PREFIX_BYTES + bodyLength);
  b.writeUInt32LE(bodyLength, 0);
  let o = FRAME_PREFIX_BYTES;
  o = b.writeUInt8(f.kind, o);
  o = b.writeUInt8(f.flags, o);
  o = b.writeUInt16LE(summary.length, o);
  o = b.writeUInt32LE(f.events.length, o);
  o = b.writeDoubleLE(f.fromAt, o);
  o = b.writeDoubleLE(f.toAt, o);
  o = b.writeDoubleLE(f.lastEventId, o);
  o = b.writeUInt32LE(f.typeMask >>> 0, o);
  o = b.writeUInt32LE(f.eventCount, o);
  o += summary.copy(b, o);
  b.set(f.events, o);
  o += f.events.length;
  b.set(f.payload, o);
  b.writeUInt32LE(crc32(b.subarray(FRAME_PREFIX_BYTES)), 4);
  return b;
}

/** Why the bytes at some offset are not a frame: the tail of a segment torn by a crash, or garbage. */
export type NotAFrame = 'short' | 'bad-length' | 'bad-kind';

/**
 * Reads a frame's prefix and fixed part from `b` (at least FRAME_HEAD_BYTES, or what is left of the
 * file). `available` is how many bytes the file holds from the frame's start: a frame longer than
 * that was cut short by a crash.
 */
export function decodeFrameHead(b: Uint8Array, available: number): FrameHead | NotAFrame {
  if (b.length < FRAME_HEAD_BYTES || available < FRAME_HEAD_BYTES) return 'short';
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const bodyLength = buf.readUInt32LE(0);
  if (bodyLength < FIXED_BODY_BYTES || bodyLength > MAX_FRAME_BYTES) return 'bad-length';
  const length = FRAME_PREFIX_BYTES + bodyLength;
  if (length > available) return 'short';
  const kind = buf.readUInt8(8);
  if (kind !== FrameKind.Keyframe && kind !== FrameKind.Ticks) return 'bad-kind';
  const summaryLength = buf.readUInt16LE(10);
  const eventsLength = buf.readUInt32LE(12);
  if (FIXED_BODY_BYTES + summaryLength + eventsLength > bodyLength) return 'bad-length';
  return {
    kind,
    flags: buf.readUInt8(9),
    length,
    crc: buf.readUInt32LE(4),
    summaryLength,
    eventsLength,
    fromAt: buf.readDoubleLE(16),
    toAt: buf.readDoubleLE(24),
    lastEventId: buf.readDoubleLE(32),
    typeMask: buf.readUInt32LE(40),
    eventCount: buf.readUInt32LE(44),
  };
}

/** Whether a whole frame's bytes (prefix included) match the CRC in its prefix. */
export function frameIntact(frame: Uint8Array): boolean {
  if (frame.length < FRAME_PREFIX_BYTES) return false;
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  return crc32(buf.subarray(FRAME_PREFIX_BYTES)) === buf.readUInt32LE(4);
}

/** The three sections of a whole frame, as views into it. */
export function frameSections(
  frame: Uint8Array,
  head: FrameHead,
): { summary: string; events: Uint8Array; payload: Uint8Array } {
  const start = FRAME_HEAD_BYTES;
  const eventsAt = start + head.summaryLength;
  const payloadAt = eventsAt + head.eventsLength;
  return {
    summary: Buffer.from(frame.buffer, frame.byteOffset + start, head.summaryLength).toString(
      'utf8',
    ),
    events: frame.subarray(eventsAt, payloadAt),
    payload: frame.subarray(payloadAt, head.length),
  };
}
