import { readPidMax, readThreadsMax } from './kernelLimits.js';
import { readLoadavg } from './loadavg.js';
import type { ProcessRecord } from './processRecord.js';

/** After pid_max wraps, the kernel allocates from 300 again (RESERVED_PIDS, kernel/pid.c). */
export const RESERVED_PIDS = 300;

export interface HostHeadroom {
  pidMax: number;
  threadsMax: number;
  /** Tasks (threads) in use system-wide, from /proc/loadavg. */
  tasks: number;
  processes: number;
  zombies: number;
  kernelThreads: number;
  /** Tasks that can still be created: min(pid_max − 300, threads-max) − tasks. */
  headroom: number;
  /** Last PID allocated (loadavg field 5). */
  lastPid: number;
}

/** Pure: the headroom arithmetic over values already read. */
export function computeHostHeadroom(
  pidMax: number,
  threadsMax: number,
  tasks: number,
  lastPid: number,
  processes: Iterable<ProcessRecord>,
): HostHeadroom {
  let count = 0;
  let zombies = 0;
  let kernelThreads = 0;
  for (const p of processes) {
    count++;
    if (p.state === 'Z') zombies++;
    if (p.kernelThread) kernelThreads++;
  }
  return {
    pidMax,
    threadsMax,
    tasks,
    processes: count,
    zombies,
    kernelThreads,
    headroom: Math.min(pidMax - RESERVED_PIDS, threadsMax) - tasks,
    lastPid,
  };
}

/**
 * Host PID headroom. pid_max is per PID namespace on new kernels: `root` must be a procfs of
 * the host's PID namespace, read by a process in that namespace (an agent in a container runs
 * with `pid: host`), or the number is the container's own.
 */
export function readHostHeadroom(root: string, processes: Iterable<ProcessRecord>): HostHeadroom {
  const load = readLoadavg(root);
  return computeHostHeadroom(
    readPidMax(root),
    readThreadsMax(root),
    load.total,
    load.lastPid,
    processes,
  );
}
