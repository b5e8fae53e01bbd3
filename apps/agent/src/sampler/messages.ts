import type { HostHeadroom, PidsCgroup, ProcessRecord } from '@pidscope/procfs';

/** Main thread → sampler worker. */
export type SamplerRequest = { type: 'scan'; id: number };

/** One scan with everything read from /proc and the pids cgroups in the worker. */
export interface SampleResult {
  processes: ProcessRecord[];
  at: number;
  durationMs: number;
  vanished: number;
  host: HostHeadroom;
  /** pids cgroup per container id seen in this scan; null when unreadable. */
  cgroups: Record<string, PidsCgroup | null>;
}

/**
 * A sample as it crosses the thread boundary: only the records that are new or changed since the
 * previous one (the scanner keeps an unchanged record's object), and the keys of those gone.
 */
export interface SampleDelta extends Omit<SampleResult, 'processes'> {
  changed: ProcessRecord[];
  removed: string[];
}

/** Sampler worker → main thread. */
export type SamplerResponse =
  | { type: 'result'; id: number; delta: SampleDelta }
  | { type: 'error'; id: number; message: string };

export interface SamplerWorkerData {
  procRoot: string;
}
