// The history store: a directory of append-only segment files (format in frame.ts) with an index
// in memory. One writer (the recorder) appends frames; readers answer from the index and read the
// frames they need. At open a crash's torn tail is cut off; retention deletes whole segments.
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { type FileHandle, open as openAsync } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import type { Event, EventType, State } from '@pidscope/protocol';
import { HistoryError, ioError } from './errors.js';
import {
  CONTINUES,
  checkSegmentHeader,
  decodeFrameHead,
  encodeFrame,
  encodeSegmentHeader,
  FRAME_HEAD_BYTES,
  type FrameHead,
  FrameKind,
  frameIntact,
  frameSections,
  SEGMENT_HEADER_BYTES,
  typeMask,
} from './frame.js';
import {
  decodeEvents,
  decodeKeyframe,
  decodeTicks,
  encodeEvents,
  encodeKeyframe,
  encodeTicks,
  type RecordedTick,
} from './records.js';
import { type Replayed, replay } from './replay.js';
import {
  type Limits,
  type SegmentLimits,
  segmentLimits,
  segmentsToDrop,
  shouldRotate,
} from './retention.js';
import { Series, type SeriesAnswer } from './series.js';
import {
  applySummary,
  decodeSummary,
  encodeSummary,
  type Summary,
  summarize,
  summaryDelta,
} from './summary.js';
import { shareNamespaces } from './upgrade.js';

const deflate = promisify(deflateRaw);
const SEGMENT_NAME = /^(\d{10})\.seg$/;
const LOCK_FILE = 'LOCK';
const EMPTY = new Uint8Array(0);

/** Who holds a store: host PID and start time (clock ticks), so a reused PID is not taken for it. */
export interface Owner {
  pid: number;
  startTime: number;
}

export interface StoreOptions extends Limits {
  dir: string;
  owner: Owner;
  /** Whether the holder of a lock left behind still runs. Defaults to a signal-0 probe of its PID. */
  isAlive?: (owner: Owner) => boolean;
  /** Told what open repaired (a torn tail cut off, an empty segment removed). */
  log?: (message: string) => void;
  /** Overrides of the sizes derived from the limits (tests use tiny ones). */
  segments?: Partial<SegmentLimits>;
}

interface FrameRef {
  offset: number;
  head: FrameHead;
}

interface Segment {
  name: string;
  path: string;
  number: number;
  bytes: number;
  frames: FrameRef[];
  fromAt: number;
  toAt: number;
  /** The summary after its last frame, for the next frame's delta. */
  summary: Summary | null;
}

export interface EventQuery {
  since?: number;
  until?: number;
  types?: ReadonlySet<EventType>;
  /** A full id or a prefix of one. */
  containerId?: string;
  limit: number;
}

export interface StoreRange {
  from: number | null;
  to: number | null;
  bytes: number;
  keyframes: number;
}

/** What open found and repaired. */
export interface Recovery {
  /** Bytes cut off the end of segments (a frame torn by a crash). */
  truncatedBytes: number;
  /** Segment files removed because nothing in them survived. */
  removedFiles: string[];
}

const openStores = new Set<string>();

function defaultIsAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class HistoryStore {
  readonly dir: string;
  readonly recovery: Recovery = { truncatedBytes: 0, removedFiles: [] };
  readonly #opts: StoreOptions;
  readonly #limits: SegmentLimits;
  #segments: Segment[] = [];
  #series = new Series();
  #lastEventId = 0;
  /** The segment being written, once this run has written its first keyframe. */
  #active: { segment: Segment; handle: FileHandle } | null = null;
  #readFds = new Map<string, number>();
  #closed = false;

  private constructor(opts: StoreOptions) {
    this.dir = opts.dir;
    this.#opts = opts;
    this.#limits = { ...segmentLimits(opts), ...opts.segments };
  }

  /**
   * Opens (creating it if needed) the store in `opts.dir`, locks it, indexes its segments and cuts
   * off a torn tail. Throws HistoryError: ELOCKED (another live agent holds it), ECORRUPT (not a
   * store this version reads), EFULL or EIO.
   */
  static open(opts: StoreOptions): HistoryStore {
    const store = new HistoryStore(opts);
    store.#lock();
    try {
      store.#scan();
    } catch (err) {
      store.#unlock();
      throw err instanceof HistoryError ? err : ioError(opts.dir, 'open', err);
    }
    return store;
  }

  /**
   * Like open; a store that cannot be read (ECORRUPT, EIO) is renamed to `<dir>.broken-<time>`
   * (not deleted) and a new one is started. `movedTo` says where the old one went.
   */
  static openOrMoveAside(opts: StoreOptions): { store: HistoryStore; movedTo: string | null } {
    try {
      return { store: HistoryStore.open(opts), movedTo: null };
    } catch (err) {
      if (!(err instanceof HistoryError) || (err.code !== 'ECORRUPT' && err.code !== 'EIO')) {
        throw err;
      }
      const movedTo = `${opts.dir}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      try {
        renameSync(opts.dir, movedTo);
      } catch {
        throw err;
      }
      opts.log?.(
        `history store ${opts.dir} could not be opened (${err.message}); moved to ${movedTo}`,
      );
      return { store: HistoryStore.open(opts), movedTo };
    }
  }

  #lock(): void {
    const { dir, owner } = this.#opts;
    if (openStores.has(dir)) {
      throw new HistoryError('ELOCKED', dir, 'already open in this process');
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw ioError(dir, 'cannot create the directory', err);
    }
    const path = join(dir, LOCK_FILE);
    const text = `${JSON.stringify({ pid: owner.pid, startTime: owner.startTime, host: hostname() })}\n`;
    try {
      writeFileSync(path, text, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(path, 'lock', err);
      let holder: Owner & { host?: string };
      try {
        holder = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        holder = { pid: 0, startTime: 0 };
      }
      const isAlive = this.#opts.isAlive ?? defaultIsAlive;
      const same = holder.pid === owner.pid && holder.startTime === owner.startTime;
      if (
        !same &&
        holder.host === hostname() &&
        Number.isInteger(holder.pid) &&
        holder.pid > 0 &&
        isAlive(holder)
      ) {
        throw new HistoryError('ELOCKED', dir, `recorded into by the agent with PID ${holder.pid}`);
      }
      try {
        writeFileSync(path, text);
      } catch (e) {
        throw ioError(path, 'lock', e);
      }
    }
    openStores.add(dir);
  }

  #unlock(): void {
    openStores.delete(this.dir);
    try {
      unlinkSync(join(this.dir, LOCK_FILE));
    } catch {
      // Already gone (the directory was moved aside): nothing to release.
    }
  }

  #scan(): void {
    const names = readdirSync(this.dir)
      .filter((n) => SEGMENT_NAME.test(n))
      .sort();
    names.forEach((name, i) => {
      const segment = this.#scanSegment(name, i === names.length - 1);
      if (segment) this.#segments.push(segment);
    });
  }

  /** Indexes one segment, cutting off what follows its last whole frame; null when none is left. */
  #scanSegment(name: string, last: boolean): Segment | null {
    const path = join(this.dir, name);
    const fd = openSync(path, 'r+');
    try {
      const size = fstatSync(fd).size;
      const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
      const got = readSync(fd, header, 0, SEGMENT_HEADER_BYTES, 0);
      if (got < SEGMENT_HEADER_BYTES) {
        // Created, then the crash came before its header was whole.
        this.#removeFile(path, name, size);
        return null;
      }
      checkSegmentHeader(header, path);
      const segment: Segment = {
        name,
        path,
        number: Number(SEGMENT_NAME.exec(name)?.[1]),
        bytes: SEGMENT_HEADER_BYTES,
        frames: [],
        fromAt: 0,
        toAt: 0,
        summary: null,
      };
      let offset = SEGMENT_HEADER_BYTES;
      const head = Buffer.alloc(FRAME_HEAD_BYTES);
      while (offset < size) {
        const n = readSync(fd, head, 0, FRAME_HEAD_BYTES, offset);
        const h = decodeFrameHead(head.subarray(0, n), size - offset);
        if (typeof h === 'string') break;
        if (segment.frames.length === 0 && h.kind !== FrameKind.Keyframe) {
          throw new HistoryError('ECORRUPT', path, 'the segment does not start with a keyframe');
        }
        const needsWhole = last || h.summaryLength > 0;
        let frame: Buffer | null = null;
        if (needsWhole) {
          frame = Buffer.allocUnsafe(last ? h.length : FRAME_HEAD_BYTES + h.summaryLength);
          readSync(fd, frame, 0, frame.length, offset);
          // Only the segment written last can hold a frame cut short by a crash; the CRC says.
          // A damaged frame with whole frames after it is not a torn tail: it stays, and reads
          // of it fail.
          if (last && !frameIntact(frame)) {
            if (!this.#intactAt(fd, offset + h.length, size)) break;
            this.#opts.log?.(`history: the frame at byte ${offset} of ${path} is damaged`);
          }
        }
        const summaryText = frame
          ? frame.toString('utf8', FRAME_HEAD_BYTES, FRAME_HEAD_BYTES + h.summaryLength)
          : '';
        this.#index(segment, { offset, head: h }, summaryText);
        offset += h.length;
      }
      if (offset < size) {
        ftruncateSync(fd, offset);
        this.recovery.truncatedBytes += size - offset;
        this.#opts.log?.(`history: cut ${size - offset} bytes of a torn frame off ${path}`);
      }
      if (segment.frames.length === 0) {
        this.#removeFile(path, name, 0);
        return null;
      }
      return segment;
    } finally {
      closeSync(fd);
    }
  }

  /** Whether a whole frame with a good CRC starts at `offset`. */
  #intactAt(fd: number, offset: number, size: number): boolean {
    const head = Buffer.alloc(FRAME_HEAD_BYTES);
    const n = readSync(fd, head, 0, FRAME_HEAD_BYTES, offset);
    const h = decodeFrameHead(head.subarray(0, n), size - offset);
    if (typeof h === 'string') return false;
    const frame = Buffer.allocUnsafe(h.length);
    readSync(fd, frame, 0, h.length, offset);
    return frameIntact(frame);
  }

  #removeFile(path: string, name: string, bytes: number): void {
    unlinkSync(path);
    this.recovery.removedFiles.push(name);
    this.recovery.truncatedBytes += bytes;
  }

  /** Adds a frame (already on disk) to the index and the series. */
  #index(segment: Segment, ref: FrameRef, summaryText: string): void {
    const h = ref.head;
    const first = segment.frames.length === 0;
    if (first) {
      segment.fromAt = h.fromAt;
      const previous = this.#segments.at(-1);
      // A recording that starts anew (not a segment change while running) leaves a gap before it.
      if (previous && !(h.flags & CONTINUES)) this.#series.gap(previous.toAt + 1);
    }
    segment.frames.push(ref);
    segment.bytes = ref.offset + h.length;
    segment.toAt = Math.max(segment.toAt, h.toAt);
    this.#lastEventId = Math.max(this.#lastEventId, h.lastEventId);
    const delta = decodeSummary(summaryText);
    segment.summary = applySummary(h.kind === FrameKind.Keyframe ? null : segment.summary, delta);
    this.#series.push(h.toAt, segment.summary);
  }

  get lastEventId(): number {
    return this.#lastEventId;
  }

  get limits(): Limits & SegmentLimits {
    return { retentionMs: this.#opts.retentionMs, maxBytes: this.#opts.maxBytes, ...this.#limits };
  }

  range(): StoreRange {
    let bytes = 0;
    let keyframes = 0;
    for (const s of this.#segments) {
      bytes += s.bytes;
      for (const f of s.frames) if (f.head.kind === FrameKind.Keyframe) keyframes++;
    }
    return {
      from: this.#segments[0]?.fromAt ?? null,
      to: this.#segments.at(-1)?.toAt ?? null,
      bytes,
      keyframes,
    };
  }

  /** Where each frame sits: segment names, sizes and frame offsets, oldest first. */
  layout(): {
    name: string;
    bytes: number;
    frames: { offset: number; length: number; kind: 'keyframe' | 'ticks'; toAt: number }[];
  }[] {
    return this.#segments.map((s) => ({
      name: s.name,
      bytes: s.bytes,
      frames: s.frames.map((f) => ({
        offset: f.offset,
        length: f.head.length,
        kind: f.head.kind === FrameKind.Keyframe ? 'keyframe' : 'ticks',
        toAt: f.head.toAt,
      })),
    }));
  }

  /** Whether this run has written its first keyframe (ticks can follow). */
  get writing(): boolean {
    return this.#active !== null;
  }

  /** Whether the segment being written should be closed (size or age). */
  rotationDue(): boolean {
    return this.#active !== null && shouldRotate(this.#active.segment, this.#limits);
  }

  /** Time of the newest keyframe of this run, and the bytes written after it. */
  sinceKeyframe(): { at: number; bytes: number; keyframeBytes: number } | null {
    const s = this.#active?.segment;
    if (!s) return null;
    for (let i = s.frames.length - 1; i >= 0; i--) {
      const f = s.frames[i] as FrameRef;
      if (f.head.kind === FrameKind.Keyframe) {
        return {
          at: f.head.toAt,
          bytes: s.bytes - (f.offset + f.head.length),
          keyframeBytes: f.head.length,
        };
      }
    }
    return null;
  }

  /**
   * Writes a keyframe of `state` (published at `at`). `start` begins a recording (agent start,
   * end of a pause): it leaves a gap before it. Either way a new segment is started unless
   * `inPlace` asks to add it to the segment being written.
   */
  async appendKeyframe(
    state: State,
    at: number,
    how: { start: boolean; inPlace?: boolean },
  ): Promise<void> {
    const summary = summarize(state);
    const payload = await this.#deflate(encodeKeyframe(state));
    const frame = encodeFrame({
      kind: FrameKind.Keyframe,
      flags: how.start ? 0 : CONTINUES,
      fromAt: at,
      toAt: at,
      lastEventId: this.#lastEventId,
      typeMask: 0,
      eventCount: 0,
      summary: encodeSummary(summaryDelta(null, summary)),
      events: EMPTY,
      payload,
    });
    if (how.start || !how.inPlace || !this.#active || !this.#fits(frame.length)) {
      await this.#startSegment(frame.length);
    }
    await this.#append(frame, summary);
  }

  /**
   * Writes the patches of consecutive ticks (events included) as one frame; `after` is the state
   * after the last of them. A keyframe of this run must come first.
   */
  async appendTicks(ticks: readonly RecordedTick[], after: State): Promise<void> {
    const active = this.#active;
    if (!active) throw new Error('appendTicks before a keyframe');
    if (ticks.length === 0) return;
    const events: Event[] = [];
    for (const t of ticks) for (const e of t.patch.events) events.push(e);
    let lastEventId = this.#lastEventId;
    for (const e of events) lastEventId = Math.max(lastEventId, e.id);
    const summary = summarize(after);
    const [eventBytes, payload] = await Promise.all([
      events.length ? this.#deflate(encodeEvents(events)) : Promise.resolve(EMPTY),
      this.#deflate(encodeTicks(ticks)),
    ]);
    const frame = encodeFrame({
      kind: FrameKind.Ticks,
      flags: 0,
      fromAt: (ticks[0] as RecordedTick).at,
      toAt: (ticks[ticks.length - 1] as RecordedTick).at,
      lastEventId,
      typeMask: typeMask(events.map((e) => e.type)),
      eventCount: events.length,
      summary: encodeSummary(summaryDelta(active.segment.summary, summary)),
      events: eventBytes,
      payload,
    });
    if (!this.#fits(frame.length)) {
      // The segment being written alone is over budget: start over from a keyframe of `after`,
      // which holds everything these ticks did.
      await this.appendKeyframe(after, (ticks[ticks.length - 1] as RecordedTick).at, {
        start: false,
      });
      return;
    }
    await this.#append(frame, summary);
  }

  /** Makes room for `incoming` bytes in the segment being written; false when it cannot. */
  #fits(incoming: number): boolean {
    this.#makeRoom(incoming);
    let total = incoming;
    for (const s of this.#segments) total += s.bytes;
    return total <= this.#opts.maxBytes;
  }

  async #deflate(text: string): Promise<Uint8Array> {
    return deflate(Buffer.from(text, 'utf8'));
  }

  /** Closes the segment being written (if any) and starts a new one, making room first. */
  async #startSegment(firstFrameBytes: number): Promise<void> {
    await this.#seal();
    if (SEGMENT_HEADER_BYTES + firstFrameBytes > this.#opts.maxBytes) {
      throw new HistoryError(
        'EFULL',
        this.dir,
        `a keyframe of ${firstFrameBytes} bytes does not fit in the disk budget of ${this.#opts.maxBytes} bytes`,
      );
    }
    this.#makeRoom(SEGMENT_HEADER_BYTES + firstFrameBytes, true);
    const number = (this.#segments.at(-1)?.number ?? 0) + 1;
    const name = `${String(number).padStart(10, '0')}.seg`;
    const path = join(this.dir, name);
    let handle: FileHandle | null = null;
    try {
      handle = await openAsync(path, 'wx');
      const header = encodeSegmentHeader();
      await handle.write(header, 0, header.length, 0);
    } catch (err) {
      await handle?.close().catch(() => {});
      rmSync(path, { force: true });
      throw ioError(path, 'cannot start a segment', err);
    }
    const segment: Segment = {
      name,
      path,
      number,
      bytes: SEGMENT_HEADER_BYTES,
      frames: [],
      fromAt: 0,
      toAt: 0,
      summary: null,
    };
    this.#segments.push(segment);
    this.#active = { segment, handle };
  }

  /** Writes a frame at the end of the active segment; a failed write is cut off again. */
  async #append(frame: Buffer, summary: Summary): Promise<void> {
    const active = this.#active;
    if (!active) throw new Error('no segment is being written');
    const { segment, handle } = active;
    const offset = segment.bytes;
    try {
      let done = 0;
      while (done < frame.length) {
        const { bytesWritten } = await handle.write(
          frame,
          done,
          frame.length - done,
          offset + done,
        );
        done += bytesWritten;
      }
    } catch (err) {
      await handle.truncate(offset).catch(() => {});
      // What follows has no keyframe to stand on: the next write starts a recording again.
      await this.endRecording();
      throw ioError(segment.path, 'write', err);
    }
    const head = decodeFrameHead(frame, frame.length) as FrameHead;
    const h = { ...head };
    segment.frames.push({ offset, head: h });
    segment.bytes = offset + frame.length;
    if (segment.frames.length === 1) segment.fromAt = h.fromAt;
    segment.toAt = Math.max(segment.toAt, h.toAt);
    segment.summary = summary;
    this.#lastEventId = Math.max(this.#lastEventId, h.lastEventId);
    if (segment.frames.length === 1) {
      const previous = this.#segments.at(-2);
      if (previous && !(h.flags & CONTINUES)) this.#series.gap(previous.toAt + 1);
    }
    this.#series.push(h.toAt, summary);
  }

  /** Drops old segments so that `incoming` more bytes fit; `all` lets the active one go too. */
  #makeRoom(incoming: number, all = false): void {
    const infos = this.#segments.map((s) => ({
      name: s.name,
      bytes: s.bytes,
      fromAt: s.fromAt,
      toAt: s.toAt,
    }));
    // A new segment is about to take over: every existing one is sealed.
    if (all) infos.push({ name: '', bytes: 0, fromAt: Date.now(), toAt: Date.now() });
    const drop = new Set(segmentsToDrop(infos, Date.now(), this.#opts, incoming));
    if (drop.size === 0) return;
    for (const s of this.#segments.filter((s) => drop.has(s.name))) {
      const fd = this.#readFds.get(s.path);
      if (fd !== undefined) {
        closeSync(fd);
        this.#readFds.delete(s.path);
      }
      rmSync(s.path, { force: true });
    }
    this.#segments = this.#segments.filter((s) => !drop.has(s.name));
    const first = this.#segments[0];
    if (first) this.#series.dropBefore(first.fromAt);
  }

  /** Flushes what was written to the disk (one fsync). */
  async sync(): Promise<void> {
    await this.#active?.handle.datasync();
  }

  /** Ends the recording: the next keyframe starts a new segment after a gap. */
  async endRecording(): Promise<void> {
    await this.#seal();
  }

  async #seal(): Promise<void> {
    const active = this.#active;
    if (!active) return;
    this.#active = null;
    try {
      await active.handle.datasync();
    } finally {
      await active.handle.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#seal().catch(() => {});
    for (const fd of this.#readFds.values()) closeSync(fd);
    this.#readFds.clear();
    this.#unlock();
  }

  // Reading.

  #fd(segment: Segment): number {
    let fd = this.#readFds.get(segment.path);
    if (fd === undefined) {
      fd = openSync(segment.path, 'r');
      this.#readFds.set(segment.path, fd);
    }
    return fd;
  }

  /** A whole frame, checked against its CRC. */
  #readFrame(segment: Segment, ref: FrameRef): Buffer {
    const buf = Buffer.allocUnsafe(ref.head.length);
    let got = 0;
    try {
      got = readSync(this.#fd(segment), buf, 0, buf.length, ref.offset);
    } catch (err) {
      throw ioError(segment.path, 'read', err);
    }
    if (got !== buf.length || !frameIntact(buf)) {
      throw new HistoryError(
        'ECORRUPT',
        segment.path,
        `the frame at byte ${ref.offset} is damaged`,
      );
    }
    return buf;
  }

  #payload(segment: Segment, ref: FrameRef): string {
    const frame = this.#readFrame(segment, ref);
    return inflateRawSync(frameSections(frame, ref.head).payload).toString('utf8');
  }

  #events(segment: Segment, ref: FrameRef): Event[] {
    if (ref.head.eventCount === 0) return [];
    const frame = this.#readFrame(segment, ref);
    const text = inflateRawSync(frameSections(frame, ref.head).events).toString('utf8');
    return decodeEvents(text, segment.path);
  }

  /**
   * The state as published at the last recorded moment at or before `at`. Throws HistoryError
   * ERANGE when `at` is before the first recorded moment.
   */
  stateAt(at: number): Replayed {
    let segment: Segment | undefined;
    for (const s of this.#segments) {
      if (s.fromAt > at) break;
      segment = s;
    }
    if (!segment) {
      const from = this.#segments[0]?.fromAt;
      throw new HistoryError(
        'ERANGE',
        this.dir,
        from === undefined
          ? 'nothing is recorded yet'
          : `nothing is recorded before ${new Date(from).toISOString()}`,
      );
    }
    const frames = segment.frames;
    let k = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i] as FrameRef;
      if (f.head.fromAt > at) break;
      if (f.head.kind === FrameKind.Keyframe) k = i;
    }
    const key = frames[k] as FrameRef;
    const { state: keyframe, shareAgain } = decodeKeyframe(
      this.#payload(segment, key),
      segment.path,
    );
    const seg = segment;
    const ticks = function* (store: HistoryStore): Generator<RecordedTick> {
      for (let i = k + 1; i < frames.length; i++) {
        const f = frames[i] as FrameRef;
        if (f.head.fromAt > at || f.head.kind === FrameKind.Keyframe) return;
        yield* decodeTicks(store.#payload(seg, f), seg.path);
      }
    };
    const replayed = replay(keyframe, key.head.toAt, ticks(this), at);
    return shareAgain ? { ...replayed, state: shareNamespaces(replayed.state) } : replayed;
  }

  /**
   * The newest `limit` recorded events matching the query, oldest first; `more` is true when
   * older matches were left out. Damaged frames are skipped.
   */
  events(q: EventQuery): { events: Event[]; more: boolean } {
    const since = q.since ?? 0;
    const until = q.until ?? Number.POSITIVE_INFINITY;
    const mask = q.types ? typeMask(q.types) : 0xffffffff;
    const found: Event[][] = [];
    let count = 0;
    for (let si = this.#segments.length - 1; si >= 0; si--) {
      const segment = this.#segments[si] as Segment;
      if (segment.toAt < since) break;
      if (segment.fromAt > until) continue;
      for (let fi = segment.frames.length - 1; fi >= 0; fi--) {
        const ref = segment.frames[fi] as FrameRef;
        const h = ref.head;
        if (h.toAt < since) break;
        if (h.eventCount === 0 || (h.typeMask & mask) === 0) continue;
        let events: Event[];
        try {
          events = this.#events(segment, ref);
        } catch (err) {
          this.#opts.log?.(`history: skipped events of a frame: ${(err as Error).message}`);
          continue;
        }
        const matching = events.filter(
          (e) =>
            e.at >= since &&
            e.at <= until &&
            (!q.types || q.types.has(e.type)) &&
            (!q.containerId || (e.containerId?.startsWith(q.containerId) ?? false)),
        );
        if (matching.length === 0) continue;
        found.push(matching);
        count += matching.length;
        if (count > q.limit) {
          const all = found.reverse().flat();
          return { events: all.slice(all.length - q.limit), more: true };
        }
      }
    }
    return { events: found.reverse().flat(), more: false };
  }

  /** Headroom in `points` buckets over [from, to). */
  series(from: number, to: number, points: number): SeriesAnswer {
    return this.#series.query(from, to, points);
  }
}
