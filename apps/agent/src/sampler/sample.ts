import type { CgroupReader, HostHeadroom, ProcessRecord, ProcScanner } from '@pidscope/procfs';
import { processKey } from '@pidscope/protocol';
import type { Sample } from './messages.js';

/**
 * One tick's reading: a process scan, host headroom, and the pids cgroup of every container seen.
 * A container's cgroup is read through one of its live processes: a zombie's v1 cgroup lines read `/`.
 * `full`: send every process rather than the scan's changes (see Sample.full).
 */
export function sample(
  scanner: Pick<ProcScanner, 'scan'>,
  cgroups: Pick<CgroupReader, 'readPids'>,
  procRoot: string,
  headroom: (root: string, processes: readonly ProcessRecord[]) => HostHeadroom,
  full: boolean,
): Sample {
  const scan = scanner.scan();
  const host = headroom(procRoot, scan.processes);
  const byContainer = new Map<string, ProcessRecord>();
  for (const p of scan.processes) {
    if (!p.containerId || p.state === 'Z') continue;
    if (!byContainer.has(p.containerId)) byContainer.set(p.containerId, p);
  }
  const seen = new Set(scan.processes.map((p) => p.containerId).filter((id) => id !== null));
  const pids: Sample['cgroups'] = {};
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
    changed: full ? scan.processes : scan.changed,
    removed: full ? [] : scan.removed.map(processKey),
    full,
    at: scan.at,
    durationMs: scan.durationMs,
    vanished: scan.vanished,
    host,
    cgroups: pids,
  };
}
