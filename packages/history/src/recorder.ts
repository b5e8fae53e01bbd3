// Records what the agent publishes: each tick is only queued when it happens (the scan path pays
// for an array push); a second after the first queued tick, the queue becomes one frame,
// compressed off the main thread, written and flushed with one fsync. A quiet host publishes
// nothing, and then the recorder neither wakes nor writes. Keyframes come at the start, at each new segment, and when
// replaying from the last one would cost more than reading a new one.
import type { Patch, RecordingStatus, State } from '@pidscope/protocol';
import { HistoryError } from './errors.js';
import type { RecordedTick } from './records.js';
import type { HistoryStore } from './store.js';

/**
 * What the recorder listens to: the agent's model. A tick's `at` is when it was published: a moment
 * replays as a stream client held it then ([H2]).
 */
export interface TickSource {
  state(): State;
  onTick(
    listener: (tick: { state: State; patch: Patch | null; at: number; cause?: string }) => void,
  ): () => void;
}

export interface RecorderOptions {
  /** How long after the first queued tick the queue is written (and fsynced). */
  flushEveryMs?: number;
  /** The longest span between two keyframes. */
  keyframeEveryMs?: number;
  /**
   * A keyframe also comes once the frames after the last one add up to this many times its size,
   * so replaying a moment never reads much more than a keyframe's worth.
   */
  keyframeAfterRatio?: number;
  /** How often a paused recording tries again. */
  retryEveryMs?: number;
  log: { warn(message: string): void; error(message: string): void };
}

/**
 * Whether to write a keyframe at `at`, given the last one (its time and size, and the bytes written
 * since): when it is `keyframeEveryMs` old, or the frames after it add up to `keyframeAfterRatio`
 * times its size. Nothing written since it: never.
 */
export function keyframeDue(
  last: { at: number; bytes: number; keyframeBytes: number } | null,
  at: number,
  opts: { keyframeEveryMs: number; keyframeAfterRatio: number },
): boolean {
  if (!last || last.bytes === 0) return false;
  return (
    at - last.at >= opts.keyframeEveryMs ||
    last.bytes >= last.keyframeBytes * opts.keyframeAfterRatio
  );
}

export class Recorder {
  readonly #store: HistoryStore;
  readonly #source: TickSource;
  readonly #opts: Required<Omit<RecorderOptions, 'log'>> & Pick<RecorderOptions, 'log'>;
  #queue: RecordedTick[] = [];
  #latest: { state: State; at: number };
  #status: RecordingStatus;
  #retryAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(store: HistoryStore, source: TickSource, opts: RecorderOptions) {
    this.#store = store;
    this.#source = source;
    this.#opts = {
      flushEveryMs: 1000,
      keyframeEveryMs: 5 * 60_000,
      keyframeAfterRatio: 4,
      retryEveryMs: 10_000,
      ...opts,
    };
    this.#latest = { state: source.state(), at: 0 };
    this.#status = { state: 'recording', reason: null, since: Date.now() };
  }

  /** Writes the first keyframe and starts listening and flushing. */
  async start(): Promise<void> {
    this.#latest = { state: this.#source.state(), at: Date.now() };
    this.#unsubscribe = this.#source.onTick((tick) => {
      if (!tick.patch) return;
      // Replay stops at the first tick past the asked moment: times must not go backwards.
      const at = Math.max(tick.at, this.#latest.at);
      this.#latest = { state: tick.state, at };
      this.#queue.push({ at, patch: tick.patch, cause: tick.cause });
      this.#flushIn(this.#opts.flushEveryMs);
    });
    const { state, at } = this.#latest;
    await this.#write(() => this.#store.appendKeyframe(state, at, { start: true }));
  }

  /** Flushes `ms` from now, unless a flush is due sooner already. */
  #flushIn(ms: number): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, ms);
    this.#timer.unref();
  }

  status(): RecordingStatus {
    return this.#status;
  }

  /** Writes what is queued now; resolves once it is on disk (or recording paused). */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    if (this.#closed) return;
    const store = this.#store;
    // Taken together: the queued ticks lead exactly to the latest state, and ticks published
    // while this flush awaits are queued after it.
    const ticks = this.#queue;
    this.#queue = [];
    const { state, at } = this.#latest;
    if (this.#status.state !== 'recording') {
      const wait = this.#retryAt - Date.now();
      if (wait > 0) {
        this.#flushIn(wait);
        return;
      }
      const resumed = await this.#write(() => store.appendKeyframe(state, at, { start: true }));
      if (resumed) {
        this.#opts.log.warn('history: recording again');
        this.#status = { state: 'recording', reason: null, since: Date.now() };
      }
      return;
    }
    if (ticks.length === 0 && store.writing) return;
    await this.#write(async () => {
      if (!store.writing) {
        await store.appendKeyframe(state, at, { start: true });
        return;
      }
      await store.appendTicks(ticks, state);
      if (store.rotationDue()) await store.appendKeyframe(state, at, { start: false });
      else if (this.#keyframeDue(at)) {
        await store.appendKeyframe(state, at, { start: false, inPlace: true });
      }
    });
  }

  #keyframeDue(at: number): boolean {
    return keyframeDue(this.#store.sinceKeyframe(), at, this.#opts);
  }

  /** Runs a write and its fsync; a failure pauses recording. True when it went through. */
  async #write(fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      await this.#store.sync();
      return true;
    } catch (err) {
      await this.#store.endRecording().catch(() => {});
      this.#queue = [];
      this.#retryAt = Date.now() + this.#opts.retryEveryMs;
      // Paused, it tries again then, whether or not anything is published meanwhile.
      this.#flushIn(this.#opts.retryEveryMs);
      const full = err instanceof HistoryError && err.code === 'EFULL';
      // The status is served to anyone who asks /healthz: a fixed phrase, the details in the log.
      const reason = full ? 'disk full' : 'cannot write';
      if (this.#status.state === 'recording') {
        this.#status = { state: 'paused', reason, since: Date.now() };
        this.#opts.log.warn(
          `history: recording paused (${(err as Error).message}); the live view goes on`,
        );
      }
      return false;
    }
  }

  /** Stops listening, writes what is queued and closes nothing else (the store is the caller's). */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    await this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
