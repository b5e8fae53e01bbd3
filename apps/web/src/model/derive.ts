import type { Process, State } from '@pidscope/protocol';
import { keyOf } from './keys.js';

/** Lookups derived once per state: identities, live PIDs, children and blamed parents. */
export interface StateIndex {
  byKey: Map<string, Process>;
  /** The process currently holding each host PID (the latest start when a PID was reused). */
  byPid: Map<number, Process>;
  childrenOf: Map<string, Process[]>;
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
  const childrenOf = new Map<string, Process[]>();
  const blamed = new Set<string>();
  const zombies: Process[] = [];
  for (const p of state.processes) {
    const parent = p.ppid ? byPid.get(p.ppid) : undefined;
    if (p.state === 'Z') zombies.push(p);
    if (!parent) continue;
    const pk = keyOf(parent);
    const list = childrenOf.get(pk);
    if (list) list.push(p);
    else childrenOf.set(pk, [p]);
    if (p.state === 'Z') blamed.add(pk);
  }
  const index = { byKey, byPid, childrenOf, blamed, zombies };
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
