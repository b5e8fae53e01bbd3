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

/** Sampler worker → main thread. */
export type SamplerResponse =
  | { type: 'result'; id: number; result: SampleResult }
  | { type: 'error'; id: number; message: string };

export interface SamplerWorkerData {
  procRoot: string;
}
