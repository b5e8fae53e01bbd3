import type { Process } from '@pidscope/protocol';
import { keyOf, nsPidOf } from './keys.js';

/**
 * Processes matching a find query: a number matches a host PID or an in-container PID exactly;
 * text matches the command name or command line, case-insensitively.
 */
export function findMatches(processes: readonly Process[], query: string): Set<string> {
  const q = query.trim().toLowerCase();
  const out = new Set<string>();
  if (!q) return out;
  if (/^\d+$/.test(q)) {
    const n = Number(q);
    for (const p of processes) if (p.pid === n || nsPidOf(p) === n) out.add(keyOf(p));
    return out;
  }
  for (const p of processes) {
    if (p.comm.toLowerCase().includes(q) || p.cmdline.join(' ').toLowerCase().includes(q)) {
      out.add(keyOf(p));
    }
  }
  return out;
}

export interface Filters {
  zombiesOnly: boolean;
  /** A container id, '' for every container, or 'host' for processes outside containers. */
  container: string;
  showKernelThreads: boolean;
}

export const defaultFilters: Filters = {
  zombiesOnly: false,
  container: '',
  showKernelThreads: false,
};

/** A predicate for layoutTree's filter option, or null when nothing is filtered out. */
export function filterPredicate(f: Filters): ((p: Process) => boolean) | null {
  if (!f.zombiesOnly && !f.container) return null;
  return (p) => {
    if (f.zombiesOnly && p.state !== 'Z') return false;
    if (f.container === 'host') return p.containerId === null;
    if (f.container && p.containerId !== f.container) return false;
    return true;
  };
}
