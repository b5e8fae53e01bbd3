import type { Process, State } from '@pidscope/protocol';
import { keyOf } from './keys.js';

/** Lookups derived once per state: identities, live PIDs, children and blamed parents. */
export interface StateIndex {
  byKey: Map<string, Process>;
  /** The process currently holding each host PID (the latest start when a PID was reused). */
  byPid: Map<number, Process>;
  /** The children of a process, by its key (a scan: only the selected process asks). */
  childrenOf(key: string): Process[];
  /** Parents of zombies: the processes failing to reap. */
  blamed: Set<string>;
  zombies: Process[];
}

const cache = new WeakMap<State, StateIndex>();

export function indexState(state: State): StateIndex {
  const hit = cache.get(state);
  if (hit) return hit;
  const byKey = new Map<string, Process>();
  const byPid = new Map<number, Process>();
  for (const p of state.processes) {
    byKey.set(keyOf(p), p);
    const held = byPid.get(p.pid);
    if (!held || held.startTime < p.startTime) byPid.set(p.pid, p);
  }
  const blamed = new Set<string>();
  const zombies: Process[] = [];
  // Only zombies' parents are looked up here: building every parent's child list on each patch
  // cost 5,000 map writes and arrays for a panel that shows one process's children.
  for (const p of state.processes) {
    if (p.state !== 'Z') continue;
    zombies.push(p);
    const parent = p.ppid ? byPid.get(p.ppid) : undefined;
    if (parent) blamed.add(keyOf(parent));
  }
  const childrenOf = (key: string): Process[] => {
    const parent = byKey.get(key);
    if (!parent) return [];
    return state.processes.filter((p) => p.ppid === parent.pid && byPid.get(p.ppid) === parent);
  };
  const index: StateIndex = { byKey, byPid, childrenOf, blamed, zombies };
  cache.set(state, index);
  return index;
}

/**
 * Whether two process lists have the same tree shape for layout purposes: the same identities in
 * the same order with the same parents, containers, kernel-thread flags and zombie states.
 * Patches that only move memory or rename a command keep the shape, so the layout is reused.
 */
export function sameShape(a: readonly Process[], b: readonly Process[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Process;
    const y = b[i] as Process;
    if (x === y) continue;
    if (
      x.pid !== y.pid ||
      x.startTime !== y.startTime ||
      x.ppid !== y.ppid ||
      x.containerId !== y.containerId ||
      x.kernelThread !== y.kernelThread ||
      (x.state === 'Z') !== (y.state === 'Z')
    ) {
      return false;
    }
  }
  return true;
}
