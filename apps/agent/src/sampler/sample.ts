import type { CgroupReader, HostHeadroom, ProcessRecord, ProcScanner } from '@pidscope/procfs';
import type { SampleDelta, SampleResult } from './messages.js';

/**
 * One tick's reading: a process scan, host headroom, and the pids cgroup of every container seen.
 * A container's cgroup is read through one of its live processes: a zombie's v1 cgroup lines read `/`.
 */
export function sample(
  scanner: Pick<ProcScanner, 'scan'>,
  cgroups: Pick<CgroupReader, 'readPids'>,
  procRoot: string,
  headroom: (root: string, processes: readonly ProcessRecord[]) => HostHeadroom,
): SampleResult {
  const scan = scanner.scan();
  const host = headroom(procRoot, scan.processes);
  const byContainer = new Map<string, ProcessRecord>();
  for (const p of scan.processes) {
    if (!p.containerId || p.state === 'Z') continue;
    if (!byContainer.has(p.containerId)) byContainer.set(p.containerId, p);
  }
  const seen = new Set(scan.processes.map((p) => p.containerId).filter((id) => id !== null));
  const pids: SampleResult['cgroups'] = {};
  for (const id of seen) {
    const p = byContainer.get(id);
    let value = null;
    if (p) {
      try {
        value = cgroups.readPids(p);
      } catch {
        value = null;
      }
    }
    pids[id] = value;
  }
  return {
    processes: scan.processes,
    at: scan.at,
    durationMs: scan.durationMs,
    vanished: scan.vanished,
    host,
    cgroups: pids,
  };
}

const keyOf = (p: ProcessRecord) => `${p.pid}:${p.startTime}`;

/** Worker side: turns full samples into deltas against the previous one (by object identity). */
export class DeltaEncoder {
  #known = new Map<string, ProcessRecord>();

  encode(result: SampleResult): SampleDelta {
    const { processes, ...rest } = result;
    const next = new Map<string, ProcessRecord>();
    const changed: ProcessRecord[] = [];
    for (const p of processes) {
      const key = keyOf(p);
      next.set(key, p);
      if (this.#known.get(key) !== p) changed.push(p);
    }
    const removed: string[] = [];
    for (const key of this.#known.keys()) if (!next.has(key)) removed.push(key);
    this.#known = next;
    return { ...rest, changed, removed };
  }
}

/** Main-thread side: rebuilds full samples from deltas. */
export class DeltaDecoder {
  readonly #records = new Map<string, ProcessRecord>();

  decode(delta: SampleDelta): SampleResult {
    const { changed, removed, ...rest } = delta;
    for (const key of removed) this.#records.delete(key);
    for (const p of changed) this.#records.set(keyOf(p), p);
    return { ...rest, processes: [...this.#records.values()] };
  }
}
