import type { HostHeadroom, PidsCgroup, ProcEventKind, ProcessRecord } from '@pidscope/procfs';

/**
 * Main thread → sampler worker. `scan`: a walk of /proc; `full`: the model lost track, send every
 * process (Sample.full); `rescan`: it is the periodic safety rescan, which under kernel events
 * reads only what they and the CPU pass may have missed (Sampling.rescan). `look`: processes just
 * signalled, for the event source to read again over the next moments (Sampling.look); not
 * answered, and nothing for the polling source, which reads them every interval. `close`: stop the
 * event source (its socket is watched by the worker's event loop, which must let go of it before
 * the thread ends); answered with `closed`.
 */
export type SamplerRequest =
  | { type: 'scan'; id: number; full: boolean; rescan: boolean }
  | { type: 'look'; pids: number[] }
  | { type: 'close' };

/**
 * How the worker learns that processes changed: kernel events from the proc connector (with a
 * safety rescan), or a scan every interval. `reason` says why it polls (null with events).
 */
export interface SourceStatus {
  kind: 'proc-connector' | 'polling';
  reason: string | null;
}

/**
 * What a sample is: `scan`, a walk of /proc the main thread asked for (every tick when polling,
 * the safety rescan with events, a refresh); `events`, the processes events named, read after a
 * coalescing window; `watch`, zombies looked at again for reaping, pids cgroups and host headroom
 * (no event says those changed); `overrun`, a walk of /proc because events were lost.
 */
export type SampleCause = 'scan' | 'events' | 'watch' | 'overrun';

/** What the event source has seen since the worker started. */
export interface SourceCounters {
  /** Proc connector events received, by kind. */
  events: Partial<Record<ProcEventKind, number>>;
  /**
   * Walks of /proc after events were lost, by what told first: the queue overflowed (ENOBUFS),
   * or a CPU's sequence skipped. Losses while a walk is due make no walk of their own.
   */
  overruns: { enobufs: number; sequence: number };
  /** Events known to be missing from the kernel's per-CPU sequences. */
  lost: number;
}

/**
 * What changed in the process table: what the live model turns into a patch, whatever found it
 * (a scan, or the event source, which knows which processes it touched).
 */
export interface ProcessChanges {
  /** Records new or changed since the previous changes, in scan order. */
  changed: ProcessRecord[];
  /** `pid:startTime` keys of the processes gone since the previous changes. */
  removed: string[];
  /**
   * `changed` holds every process and `removed` is empty: anything else the model knows is gone.
   * The first sample of a worker is full, so is the one after a failed sample, and any the model
   * asks for.
   */
  full: boolean;
}

/**
 * One reading, as the model takes it: what changed in the process table since the previous
 * sample, host headroom, and the pids cgroup of every container seen. The scanner knows what
 * changed (it keeps an unchanged record's object), so only that crosses the thread boundary.
 */
export interface Sample extends ProcessChanges {
  cause: SampleCause;
  at: number;
  durationMs: number;
  vanished: number;
  host: HostHeadroom;
  /** pids cgroup per container id seen; null when unreadable. */
  cgroups: Record<string, PidsCgroup | null>;
  /** The event source's counters so far; null when polling. */
  counters?: SourceCounters | null;
}

/** Sampler worker → main thread. */
export type SamplerResponse =
  | { type: 'result'; id: number; sample: Sample }
  /** A failed scan; `id` null: a sample the event source could not take (it sent a full one). */
  | { type: 'error'; id: number | null; message: string }
  /** A sample the worker took on its own (the event source), in order with the results. */
  | { type: 'sample'; sample: Sample }
  /** Which source runs: sent before the first result, and again if it changes. */
  | { type: 'source'; source: SourceStatus }
  | { type: 'closed' };

export interface SamplerWorkerData {
  procRoot: string;
  /** Settings of the event source; null: poll only. */
  events: EventSourceSettings | null;
}

export interface EventSourceSettings {
  /** Bytes the kernel may queue before it drops events. */
  receiveBufferBytes: number;
  /** How often zombies, pids cgroups and host headroom are looked at (no event tells of them). */
  watchMs: number;
}
