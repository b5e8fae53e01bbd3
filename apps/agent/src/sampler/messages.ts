import type { HostHeadroom, PidsCgroup, ProcessRecord } from '@pidscope/procfs';

/** Main thread → sampler worker. `full`: the model lost track; send every process (Sample.full). */
export type SamplerRequest = { type: 'scan'; id: number; full: boolean };

/**
 * What changed in the process table: what the live model turns into a patch, whatever found it
 * (a scan, or an event source that knows which processes it touched).
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
 * One tick's reading, as the model takes it: what changed in the process table since the
 * previous sample, host headroom, and the pids cgroup of every container seen. The scanner knows
 * what changed (it keeps an unchanged record's object), so only that crosses the thread boundary.
 */
export interface Sample extends ProcessChanges {
  at: number;
  durationMs: number;
  vanished: number;
  host: HostHeadroom;
  /** pids cgroup per container id seen in this scan; null when unreadable. */
  cgroups: Record<string, PidsCgroup | null>;
}

/** Sampler worker → main thread. */
export type SamplerResponse =
  | { type: 'result'; id: number; sample: Sample }
  | { type: 'error'; id: number; message: string };

export interface SamplerWorkerData {
  procRoot: string;
}
