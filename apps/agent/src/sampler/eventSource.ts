import { type ConnectorBatch, ProcConnector, readProcSelf } from '@pidscope/procfs';
import type { EventSourceSettings, Sample, SourceCounters } from './messages.js';
import type { Sampling } from './sample.js';
import { Touched } from './touched.js';

/**
 * Events are read together: the window closes once events stop coming for QUIET_MS, or
 * COALESCE_MS after it opened, whichever is first. A fork, exec and exit of one short-lived
 * process then cost one read of it (often none: it is gone), and a zombie reaches the socket
 * a few milliseconds after its exit.
 */
export const COALESCE_MS = 25;
const QUIET_MS = 5;
/**
 * How soon young zombies are looked at for reaping (it has no event), and processes just read
 * for the state they settled into.
 */
const YOUNG_WATCH_MS = 100;
/**
 * After a busy window (events kept coming until COALESCE_MS cut it, or it opened right after the
 * previous one), the next closes no sooner than this after it. A fork storm then costs about a
 * dozen reads and patches a second instead of one per window, and a process that forks, execs
 * and exits within the gap is never read at all: by then it is gone. A zombie on a quiet host is
 * not held back; in a storm the gap stays within its p95 target of 100 ms.
 *
 * While windows stay busy they keep a steady cadence: each closes BUSY_GAP_MS after the one
 * before, and the socket rests in between, drained by the flush. Watching it would only wake the
 * thread, and libuv's pool thread that polls it, for the first event of each gap, to learn what
 * the next flush reads anyway: on a virtual machine each wake-up costs 0.1 to 0.2 ms of CPU. A
 * flush that finds nothing new ends the cadence, and the socket is watched again.
 */
export const BUSY_GAP_MS = 80;
/**
 * The socket rests a little past the flush that drains it: the flush, not a timer of the socket's,
 * then decides whether it is watched again.
 */
export const CADENCE_REST_MARGIN_MS = 10;
/**
 * A quiet host slows the watch down: after CALM_WATCHES_TO_SLOW watches in a row that found no
 * process gone (a zombie reaped, an exit missed), with no event meanwhile and nothing near a
 * limit, each waits twice as long as the one before, up to SLOWEST_WATCH times `watchMs`. The
 * first event or process gone brings back `watchMs`. Other news does not: a CPU or memory figure
 * that moved is what the watch is for, and keeping the pace for it kept a host with one busy
 * process (whose figure moves on most passes) waking every second.
 * On a virtual machine each wake-up of an idle thread costs milliseconds of CPU, whatever it does;
 * what slowing costs is a zombie reaped, a process gone busy, or a limit changed without any
 * event being seen up to SLOWEST_WATCH seconds (at 1 s) later instead of one.
 */
export const CALM_WATCHES_TO_SLOW = 3;
export const SLOWEST_WATCH = 4;
/** Walks after lost events are at least this far apart while a storm keeps overflowing the queue. */
const OVERRUN_WALK_GAP_MS = 250;

/**
 * Subscribes to the proc connector for a worker whose scanner reads `procRoot`. Throws
 * ProcfsError EUNAVAILABLE (or an Error) saying why the event source cannot run here.
 */
export async function openConnector(
  procRoot: string,
  settings: EventSourceSettings,
): Promise<ProcConnector> {
  // Events carry PIDs of the host's PID namespace, the one this process must be in to listen.
  // A procfs of another namespace names processes by other numbers.
  const self = readProcSelf(procRoot);
  if (self !== process.pid) {
    throw new Error(
      `${procRoot} is the procfs of another PID namespace than the agent's (it shows this process as ${self ?? 'nothing'}, not ${process.pid})`,
    );
  }
  return ProcConnector.open({ receiveBufferBytes: settings.receiveBufferBytes });
}

export interface EventSourceHooks {
  /** Every sample the source takes, in order. */
  emit(sample: Sample): void;
  /** A sample that could not be taken (a full one was taken instead). */
  error(err: Error): void;
  /** The source ended (the connector broke, or not even a walk of /proc works); it is closed. */
  stopped(err: Error): void;
}

/**
 * The event source: turns proc connector events into samples. Each window of events becomes a
 * re-read of the processes they name; lost events (a full queue, a skipped sequence) become a
 * walk of /proc at once; and what no event tells — a zombie's reaping, pids cgroup counters, host
 * headroom — is looked at every `watchMs` (young zombies every 100 ms). The safety rescan, a walk
 * every PIDSCOPE_RESCAN_MS, is the main thread's to ask for.
 */
export class EventSource {
  readonly #connector: ProcConnector;
  readonly #sampling: Sampling;
  readonly #hooks: EventSourceHooks;
  readonly #touched = new Touched();
  readonly #counters: SourceCounters = {
    events: {},
    overruns: { enobufs: 0, sequence: 0 },
    lost: 0,
  };
  #started = false;
  #windowOpenedAt = 0;
  #lastFlushAt = 0;
  /** Whether the last window was busy: the next one waits BUSY_GAP_MS after it. */
  #busy = false;
  /** A flush is taking in what the socket queued: it reads that itself. */
  #draining = false;
  #flushTimer: NodeJS.Timeout | null = null;
  #zombieTimer: NodeJS.Timeout | null = null;
  #zombieArmedAt = 0;
  #overrunTimer: NodeJS.Timeout | null = null;
  #lastOverrunWalk = 0;
  /** Why the pending walk after lost events is due (the first loss since the last walk). */
  #overrunReason: 'enobufs' | 'sequence' | null = null;
  /** The watch's period now: settings.watchMs, or longer on a quiet host. */
  #watchEveryMs: number;
  readonly #baseWatchMs: number;
  #calmWatches = 0;
  #eventsSinceWatch = false;
  #closed = false;

  constructor(
    connector: ProcConnector,
    sampling: Sampling,
    settings: EventSourceSettings,
    hooks: EventSourceHooks,
  ) {
    this.#connector = connector;
    this.#sampling = sampling;
    this.#hooks = hooks;
    this.#baseWatchMs = settings.watchMs;
    this.#watchEveryMs = settings.watchMs;
    connector.listen(
      (batch) => this.#onBatch(batch),
      (err) => this.#stop(err),
    );
    // The watch rides on the socket's own wake-ups: a quiet host wakes this thread once a second.
    connector.every(settings.watchMs, () => this.#watch());
  }

  /** Counters for every sample: the main thread publishes the latest. */
  counters(): SourceCounters {
    return {
      events: { ...this.#counters.events },
      overruns: { ...this.#counters.overruns },
      lost: this.#counters.lost,
    };
  }

  /**
   * Called once the main thread has its first (full) sample: what events say is read from then
   * on. Before, the walk that made that sample saw whatever they could say.
   */
  start(): void {
    this.#started = true;
  }

  /** A walk of /proc just happened: whatever the pending events named, it has read. */
  walked(): void {
    this.#touched.clear();
    this.#clearFlush();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearFlush();
    for (const t of [this.#zombieTimer, this.#overrunTimer]) {
      if (t) clearTimeout(t);
    }
    this.#connector.close();
  }

  #onBatch(batch: ConnectorBatch): void {
    if (this.#closed) return;
    const counts = this.#counters.events;
    for (const e of batch.events) {
      counts[e.kind] = (counts[e.kind] ?? 0) + 1;
      this.#touched.add(e);
    }
    if (batch.events.length > 0 || batch.overrun) {
      this.#eventsSinceWatch = true;
      this.#paceWatch(this.#baseWatchMs);
    }
    this.#counters.lost += batch.missing;
    if (!this.#started) return;
    if (batch.overrun) {
      this.#overrunReason ??= batch.overrun;
      this.#scheduleOverrunWalk();
      return;
    }
    if (this.#overrunTimer || this.#touched.empty || this.#draining) return;
    const now = Date.now();
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    else this.#windowOpenedAt = now;
    const left = this.#windowOpenedAt + COALESCE_MS - now;
    const gap = this.#busy ? this.#lastFlushAt + BUSY_GAP_MS - now : 0;
    const wait = Math.max(0, gap, Math.min(QUIET_MS, left));
    this.#flushTimer = setTimeout(() => this.#flush(), wait);
    // Held back by the gap, events need not wake this thread one by one: they wait in the
    // kernel's queue until just past the flush, which drains them (in a cadence, this is a poll
    // that was already waiting when the cadence began).
    if (gap > 0) this.#connector.restFor(wait + CADENCE_REST_MARGIN_MS);
  }

  #flush(): void {
    this.#flushTimer = null;
    this.#drain();
    // Lost events: a walk is due instead, and reads everything.
    if (this.#overrunTimer || this.#closed) return;
    const now = Date.now();
    if (this.#touched.empty) {
      // A cadence flush with nothing new: the storm is over, and the socket is watched again.
      this.#busy = false;
      this.#connector.restFor(0);
      return;
    }
    this.#busy =
      now - this.#windowOpenedAt >= COALESCE_MS ||
      this.#windowOpenedAt - this.#lastFlushAt < BUSY_GAP_MS;
    this.#lastFlushAt = now;
    // Young ones due for a look soon (what was read a gap ago, as in a storm) go with this read:
    // one sample, not two. In a cadence, so do those due before its next flush.
    const lookDue = this.#zombieArmedAt + YOUNG_WATCH_MS - now;
    const young =
      this.#zombieTimer !== null &&
      (this.#busy ? lookDue < BUSY_GAP_MS : now - this.#zombieArmedAt >= BUSY_GAP_MS);
    if (young && this.#zombieTimer) {
      clearTimeout(this.#zombieTimer);
      this.#zombieTimer = null;
    }
    this.#run(() => {
      const s = this.#sampling.reread(this.#touched, young);
      this.#touched.clear();
      return s;
    });
    if (this.#busy && !this.#closed) this.#keepCadence(now);
  }

  /**
   * After a busy flush that began at `now`: the next window opens then and closes BUSY_GAP_MS
   * later, however long this one's read took, the socket resting till just past it (see
   * BUSY_GAP_MS). The watch's clock, which rides on the socket's wake-ups, gets this one instead.
   */
  #keepCadence(now: number): void {
    this.#windowOpenedAt = now;
    const wait = Math.max(0, now + BUSY_GAP_MS - Date.now());
    this.#connector.restFor(wait + CADENCE_REST_MARGIN_MS);
    this.#flushTimer = setTimeout(() => this.#flush(), wait);
    this.#connector.tick();
  }

  /**
   * Reads now what the events already queued name, in a window or still in the socket (which
   * rests in a storm's cadence, whose flushes run the watch): a look at processes comes after
   * them, or its reads would find the exits, reparentings and execs they name first, and tell
   * them as its own.
   */
  #eventsFirst(): void {
    if (!this.#started || this.#overrunTimer || this.#closed) return;
    const opens = this.#flushTimer === null;
    this.#drain();
    if (opens && !this.#touched.empty) this.#windowOpenedAt = Date.now();
    if (!this.#touched.empty && !this.#overrunTimer) {
      this.#clearFlush();
      this.#flush();
    }
  }

  /** The watch's look, after the events already queued (see #eventsFirst). */
  #watch(): void {
    this.#eventsFirst();
    let gone = false;
    this.#run(() => {
      const s = this.#sampling.watch(true);
      gone = s !== null && s.removed.length > 0;
      return s;
    });
    const calm = !gone && !this.#eventsSinceWatch && this.#started && this.#sampling.calm();
    this.#eventsSinceWatch = false;
    this.#calmWatches = calm ? this.#calmWatches + 1 : 0;
    this.#paceWatch(
      this.#calmWatches >= CALM_WATCHES_TO_SLOW
        ? Math.min(this.#watchEveryMs * 2, this.#baseWatchMs * SLOWEST_WATCH)
        : this.#baseWatchMs,
    );
  }

  /** The watch's period from now on: the next watch is `ms` from now if it changes. */
  #paceWatch(ms: number): void {
    if (ms === this.#watchEveryMs || this.#closed) return;
    this.#watchEveryMs = ms;
    this.#connector.every(ms, () => this.#watch());
  }

  /** The watch's period now (settings.watchMs unless the host has been quiet). */
  watchEveryMs(): number {
    return this.#watchEveryMs;
  }

  /** Takes in what the socket queued; #onBatch leaves reading it to the caller. */
  #drain(): void {
    this.#draining = true;
    try {
      this.#connector.drain();
    } finally {
      this.#draining = false;
    }
  }

  /** An immediate walk, unless one just ran: then one as soon as the gap allows. */
  #scheduleOverrunWalk(): void {
    this.#clearFlush();
    if (this.#overrunTimer) return;
    const wait = Math.max(0, this.#lastOverrunWalk + OVERRUN_WALK_GAP_MS - Date.now());
    this.#overrunTimer = setTimeout(() => {
      this.#overrunTimer = null;
      this.#lastOverrunWalk = Date.now();
      this.#counters.overruns[this.#overrunReason ?? 'enobufs']++;
      this.#overrunReason = null;
      this.#touched.clear();
      this.#run(() => this.#sampling.walk(false, 'overrun'));
    }, wait);
  }

  #clearFlush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
  }

  /**
   * Takes a sample and emits it; watches young zombies while there are any. A sample that fails
   * (a file that does not parse) may leave the scanner ahead of the model: a full walk follows.
   */
  #run(take: () => Sample | null): void {
    if (this.#closed || !this.#started) return;
    let s: Sample | null;
    try {
      s = take();
    } catch (err) {
      this.#hooks.error(err as Error);
      try {
        s = this.#sampling.walk(true, 'overrun');
      } catch (again) {
        this.#stop(again as Error);
        return;
      }
    }
    if (s) this.#hooks.emit({ ...s, counters: this.counters() });
    this.#lookSoon();
  }

  /** Looks at young zombies and settling processes YOUNG_WATCH_MS from now, while there are any. */
  #lookSoon(): void {
    if (!this.#zombieTimer && this.#sampling.hasYoung()) {
      this.#zombieArmedAt = Date.now();
      this.#zombieTimer = setTimeout(() => {
        this.#zombieTimer = null;
        this.#eventsFirst();
        this.#run(() => this.#sampling.watch(false));
      }, YOUNG_WATCH_MS);
    }
  }

  /**
   * Looks at `pids` again over the next moments (Sampling.look): they were just signalled, and a
   * stop or a continue has no event.
   */
  look(pids: readonly number[]): void {
    if (this.#closed || !this.#started) return;
    this.#sampling.look(pids);
    this.#lookSoon();
  }

  #stop(err: Error): void {
    if (this.#closed) return;
    this.close();
    this.#hooks.stopped(err);
  }
}
