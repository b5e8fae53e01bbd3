import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ProcfsError } from './errors.js';
import { systemPageSize } from './pageSize.js';
import { type PidStat, parsePidStatBytes } from './pidStat.js';
import { composeRecord, readProcessDetails } from './processes.js';
import type { ProcessRecord } from './processRecord.js';
import { readIntoShared, sharedBuffer } from './readFile.js';

export interface ScanResult {
  /** Thread-group leaders in readdir order; zombies and kernel threads included. */
  processes: ProcessRecord[];
  /** When the scan started, ms since the epoch. */
  at: number;
  durationMs: number;
  /** Processes listed by readdir that exited before they could be read (not an error). */
  vanished: number;
}

export interface ProcScannerOptions {
  /** Mount point of the host's procfs: `/proc`, or `/host/proc` for an agent in a container. */
  root?: string;
  /** Bytes per page for rssBytes; defaults to the running kernel's. */
  pageSize?: number;
}

/**
 * Walks `<root>/<pid>/` for every process.
 *
 * The first `scan()` (and every `fullScan()`) reads stat, status, cmdline, cgroup and ns/pid of
 * each process. Later `scan()` calls re-read only stat for a process already known by
 * (pid, startTime): that is the only file whose content changes in place. When comm changes (an
 * exec), status, cmdline, cgroup and ns are read again, since exec is where runc and friends
 * switch namespaces and cgroups.
 *
 * Records are immutable: an unchanged process keeps the very same object from scan to scan, so
 * `prev === next` is a valid "nothing changed" test.
 */
export class ProcScanner {
  readonly root: string;
  readonly #pageSize: number;
  #known = new Map<number, ProcessRecord>();
  #scanned = false;

  constructor(opts: ProcScannerOptions = {}) {
    this.root = opts.root ?? '/proc';
    this.#pageSize = opts.pageSize ?? systemPageSize();
  }

  /** The first call is a full scan, later calls are incremental. */
  scan(): ScanResult {
    return this.#run(this.#scanned);
  }

  /** Forgets what is known and reads every file of every process again. */
  fullScan(): ScanResult {
    return this.#run(false);
  }

  #run(incremental: boolean): ScanResult {
    const at = Date.now();
    const t0 = performance.now();
    const known = incremental ? this.#known : new Map<number, ProcessRecord>();
    const next = new Map<number, ProcessRecord>();
    const processes: ProcessRecord[] = [];
    let vanished = 0;
    const root = this.root;

    for (const name of listPids(root)) {
      const pid = toPid(name);
      if (pid < 0) continue;
      const file = `${root}/${name}/stat`;
      const n = readIntoShared(file);
      if (n < 0) {
        vanished++;
        continue;
      }
      const stat = parsePidStatBytes(sharedBuffer(), n, file);
      const prev = known.get(pid);
      let record: ProcessRecord | null;
      if (prev !== undefined && prev.startTime === stat.startTime && prev.comm === stat.comm) {
        record = updated(prev, stat, this.#pageSize);
      } else {
        const details = readProcessDetails(pid, root, stat.kernelThread);
        record = details === null ? null : composeRecord(stat, details, this.#pageSize);
      }
      if (record === null) {
        vanished++;
        continue;
      }
      next.set(pid, record);
      processes.push(record);
    }

    attributeByPidNamespace(processes, next);
    this.#known = next;
    this.#scanned = true;
    return { processes, at, durationMs: performance.now() - t0, vanished };
  }
}

function listPids(root: string): string[] {
  try {
    return readdirSync(root);
  } catch (err) {
    throw new ProcfsError('EIO', root, (err as Error).message, undefined, err);
  }
}

/** Parses a /proc entry name as a PID; -1 for non-numeric entries (`self`, `sys`, …). */
function toPid(name: string): number {
  let pid = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    pid = pid * 10 + c;
  }
  return name.length === 0 ? -1 : pid;
}

/** Applies a fresh stat to a known record; returns `prev` itself when nothing visible changed. */
function updated(prev: ProcessRecord, stat: PidStat, pageSize: number): ProcessRecord {
  const rssBytes = stat.rss * pageSize;
  if (
    prev.ppid === stat.ppid &&
    prev.state === stat.state &&
    prev.threads === stat.numThreads &&
    prev.rssBytes === rssBytes
  ) {
    return prev;
  }
  return {
    ...prev,
    ppid: stat.ppid,
    state: stat.state,
    threads: stat.numThreads,
    rssBytes,
    // The kernel empties a zombie's argv; keep the record the same as a full scan would read it.
    cmdline: stat.state === 'Z' ? [] : prev.cmdline,
  };
}

/**
 * A zombie's cgroup v1 lines read `/`, and without a `0::` path it cannot be attributed from its
 * cgroup file. Its PID namespace still can: give it the container that the other processes of
 * the same (non-host) PID namespace belong to.
 */
function attributeByPidNamespace(
  processes: ProcessRecord[],
  byPid: Map<number, ProcessRecord>,
): void {
  // Kernel threads always live in the initial PID namespace; PID 1's ns/pid can be unreadable.
  const hostNs = processes.find((p) => p.kernelThread)?.pidNs ?? byPid.get(1)?.pidNs ?? null;
  const owners = new Map<number, ProcessRecord>();
  let orphans = false;
  for (const p of processes) {
    if (p.pidNs === null || p.pidNs === hostNs) continue;
    if (p.containerId !== null) {
      if (!owners.has(p.pidNs)) owners.set(p.pidNs, p);
    } else {
      orphans = true;
    }
  }
  if (!orphans) return;
  for (let i = 0; i < processes.length; i++) {
    const p = processes[i] as ProcessRecord;
    if (p.containerId !== null || p.pidNs === null || p.pidNs === hostNs) continue;
    const owner = owners.get(p.pidNs);
    if (owner === undefined) continue;
    const attributed = { ...p, containerId: owner.containerId, runtime: owner.runtime };
    processes[i] = attributed;
    byPid.set(p.pid, attributed);
  }
}
