import { compareProcesses, type Process, type State } from '@pidscope/protocol';
import { keyOf, lowerBoundOf, parseKey } from './keys.js';
import { flagsOf, type LayoutInput } from './layout.js';

/** Processes by identity key ("pid:startTime"). */
export interface ProcessLookup {
  get(key: string): Process | undefined;
  has(key: string): boolean;
}

/** Lookups derived once per state: identities, live PIDs, children and blamed parents. */
export interface StateIndex {
  byKey: ProcessLookup;
  /** The process currently holding each host PID (the latest start when a PID was reused). */
  byPid: { get(pid: number): Process | undefined };
  /** The children of a process, by its key (a scan: only the selected process asks). */
  childrenOf(key: string): Process[];
  /** Parents of zombies: the processes failing to reap. */
  blamed: Set<string>;
  zombies: Process[];
}

const cache = new WeakMap<State, StateIndex>();

/**
 * Lookups by binary search over the state's processes, which the protocol keeps sorted by pid
 * then start time ([S2]): no maps of every process are built per patch. Only the few zombies
 * are indexed up front.
 */
export function indexState(state: State): StateIndex {
  const hit = cache.get(state);
  if (hit) return hit;
  let sorted: readonly Process[] = state.processes;
  for (let i = 1; i < sorted.length; i++) {
    if (compareProcesses(sorted[i - 1] as Process, sorted[i] as Process) > 0) {
      sorted = [...state.processes].sort(compareProcesses);
      break;
    }
  }

  const at = (i: number) => sorted[i] as Process;
  const lowerBound = (pid: number, startTime: number) =>
    lowerBoundOf(
      sorted.length,
      (i) => at(i).pid,
      (i) => at(i).startTime,
      pid,
      startTime,
    );
  const find = (pid: number, startTime: number): Process | undefined => {
    const p = sorted[lowerBound(pid, startTime)];
    return p && p.pid === pid && p.startTime === startTime ? p : undefined;
  };
  const byKey: ProcessLookup = {
    get(key) {
      const id = parseKey(key);
      return id ? find(id.pid, id.startTime) : undefined;
    },
    has(key) {
      return this.get(key) !== undefined;
    },
  };
  const byPid = {
    get(pid: number): Process | undefined {
      // The last entry with this PID is the latest start.
      const after = lowerBound(pid + 1, Number.NEGATIVE_INFINITY);
      const p = sorted[after - 1];
      return p && p.pid === pid ? p : undefined;
    },
  };

  const blamed = new Set<string>();
  const zombies: Process[] = [];
  for (const p of sorted) {
    if (p.state !== 'Z') continue;
    zombies.push(p);
    const parent = p.ppid ? byPid.get(p.ppid) : undefined;
    if (parent) blamed.add(keyOf(parent));
  }
  const childrenOf = (key: string): Process[] => {
    const parent = byKey.get(key);
    if (!parent) return [];
    return sorted.filter((p) => p.ppid === parent.pid && byPid.get(p.ppid) === parent);
  };
  const index: StateIndex = { byKey, byPid, childrenOf, blamed, zombies };
  cache.set(state, index);
  return index;
}

/**
 * Whether a process list still has the tree shape a layout input was built from: the same
 * identities in the same order with the same parents, containers, kernel-thread flags and zombie
 * states. Patches that only move memory or rename a command keep the shape, so the layout is
 * reused. Compared against the input's own columns, not an earlier list: the store writes each
 * patch into the list of the state before last, so an earlier list does not keep its contents.
 */
export function sameShape(input: LayoutInput, processes: readonly Process[]): boolean {
  const n = processes.length;
  if (input.pid.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const p = processes[i] as Process;
    const c = input.container[i] as number;
    if (
      input.pid[i] !== p.pid ||
      input.startTime[i] !== p.startTime ||
      input.ppid[i] !== p.ppid ||
      input.flags[i] !== flagsOf(p) ||
      (c < 0 ? null : input.containers[c]) !== p.containerId
    ) {
      return false;
    }
  }
  return true;
}
