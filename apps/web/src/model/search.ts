import type { Process } from '@pidscope/protocol';
import { inContainerPid } from '@pidscope/protocol';
import { keyOf } from './keys.js';
import type { LayoutFilter, SiblingOrder } from './layout.js';

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
    for (const p of processes) if (p.pid === n || inContainerPid(p) === n) out.add(keyOf(p));
    return out;
  }
  for (const p of processes) {
    if (p.comm.toLowerCase().includes(q) || p.cmdline.join(' ').toLowerCase().includes(q)) {
      out.add(keyOf(p));
    }
  }
  return out;
}

/**
 * The toolbar's filters: what the layout filters, plus whether kernel threads are drawn and how
 * siblings are ordered.
 */
export interface Filters extends LayoutFilter {
  showKernelThreads: boolean;
  order: SiblingOrder;
  containersFirst: boolean;
}

export const defaultFilters: Filters = {
  zombiesOnly: false,
  container: '',
  busiest: false,
  showKernelThreads: false,
  order: 'start',
  containersFirst: false,
};
