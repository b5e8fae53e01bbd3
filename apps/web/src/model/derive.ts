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
