import { closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseError } from './errors.js';
import { parsePidMax, parseThreadsMax } from './kernelLimits.js';
import { parseLoadavg } from './loadavg.js';
import type { ProcessRecord } from './processRecord.js';
import { openOrNull, readFdIntoShared, sharedBuffer } from './readFile.js';

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

/** What the headroom counts of the processes themselves. */
export type ProcessCounts = Pick<HostHeadroom, 'processes' | 'zombies' | 'kernelThreads'>;

/** The processes, zombies and kernel threads among `processes`. */
export function countProcesses(processes: Iterable<ProcessRecord>): ProcessCounts {
  let count = 0;
  let zombies = 0;
  let kernelThreads = 0;
  for (const p of processes) {
    count++;
    if (p.state === 'Z') zombies++;
    if (p.kernelThread) kernelThreads++;
  }
  return { processes: count, zombies, kernelThreads };
}

/**
 * Pure: the headroom arithmetic over values already read, and the counts of the processes
 * (`countProcesses`, or ProcScanner.counts, which keeps them as records change).
 */
export function computeHostHeadroom(
  pidMax: number,
  threadsMax: number,
  tasks: number,
  lastPid: number,
  counts: ProcessCounts,
): HostHeadroom {
  return {
    pidMax,
    threadsMax,
    tasks,
    processes: counts.processes,
    zombies: counts.zombies,
    kernelThreads: counts.kernelThreads,
    headroom: Math.min(pidMax - RESERVED_PIDS, threadsMax) - tasks,
    lastPid,
  };
}

/**
 * Host PID headroom. pid_max is per PID namespace on new kernels: `root` must be a procfs of
 * the host's PID namespace, read by a process in that namespace (an agent in a container runs
 * with `pid: host`), or the number is the container's own.
 */
export function readHostHeadroom(root: string, counts: ProcessCounts): HostHeadroom {
  const reader = new HostHeadroomReader(root);
  try {
    return reader.read(counts);
  } finally {
    reader.close();
  }
}

/**
 * readHostHeadroom for a reader that asks often (the event source, after every window of events):
 * it keeps the three files open and preads them, and reads pid_max and threads-max, which only an
 * administrator changes, at most every `limitsEveryMs`. On a fork storm, opening the three files
 * for each read was an eighth of the sampler's CPU.
 */
export class HostHeadroomReader {
  readonly #root: string;
  readonly #limitsEveryMs: number;
  readonly #fds = new Map<string, number>();
  #limits: { pidMax: number; threadsMax: number; at: number } | null = null;

  constructor(root = '/proc', limitsEveryMs = 1000) {
    this.#root = root;
    this.#limitsEveryMs = limitsEveryMs;
  }

  read(counts: ProcessCounts, now = performance.now()): HostHeadroom {
    let limits = this.#limits;
    if (limits === null || now - limits.at >= this.#limitsEveryMs) {
      limits = {
        pidMax: parsePidMax(this.#text('sys/kernel/pid_max'), `${this.#root}/sys/kernel/pid_max`),
        threadsMax: parseThreadsMax(
          this.#text('sys/kernel/threads-max'),
          `${this.#root}/sys/kernel/threads-max`,
        ),
        at: now,
      };
      this.#limits = limits;
    }
    const load = parseLoadavg(this.#text('loadavg'), `${this.#root}/loadavg`);
    return computeHostHeadroom(limits.pidMax, limits.threadsMax, load.total, load.lastPid, counts);
  }

  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }

  /** The text of `<root>/<name>`, through the descriptor held for it (opened on first use). */
  #text(name: string): string {
    const file = `${this.#root}/${name}`;
    let fd = this.#fds.get(name);
    if (fd === undefined) {
      const opened = openOrNull(file);
      if (opened === null) throw parseError(file, 'file is missing', '');
      fd = opened;
      this.#fds.set(name, fd);
    }
    const n = readFdIntoShared(fd, file);
    if (n < 0) throw parseError(file, 'file is missing', '');
    return sharedBuffer().toString('utf8', 0, n);
  }
}
