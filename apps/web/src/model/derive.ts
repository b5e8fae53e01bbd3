import {
  type Container,
  compareProcesses,
  type Event,
  type ExecSession,
  execsByProcess,
  type Process,
  type State,
  type ZombieFate,
  zombieFate,
} from '@pidscope/protocol';
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
  /** A process and all its descendants, the process first (a walk: only the selection asks). */
  subtree(key: string): Process[];
  /** Parents of zombies: the processes failing to reap. */
  blamed: Set<string>;
  zombies: Process[];
  /** CPU (percent of one CPU) and resident bytes summed over each container's processes. */
  containerTotals: ReadonlyMap<string, Totals>;
  /** [S10] The `docker exec` session each session's process started, by its key. */
  execs: ReadonlyMap<string, ExecSession>;
}

export interface Totals {
  cpu: number;
  rssBytes: number;
  processes: number;
}

/** CPU and memory summed over processes. */
export function totalsOf(processes: readonly Process[]): Totals {
  const t = { cpu: 0, rssBytes: 0, processes: processes.length };
  for (const p of processes) {
    t.cpu += p.cpu;
    t.rssBytes += p.rssBytes;
  }
  return t;
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
  const containerTotals = new Map<string, Totals>();
  for (const p of sorted) {
    if (p.containerId !== null) {
      const t = containerTotals.get(p.containerId);
      if (t) {
        t.cpu += p.cpu;
        t.rssBytes += p.rssBytes;
        t.processes += 1;
      } else containerTotals.set(p.containerId, { cpu: p.cpu, rssBytes: p.rssBytes, processes: 1 });
    }
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
  // Children by parent PID, made on the first subtree asked for in this state.
  let kids: Map<number, Process[]> | null = null;
  const subtree = (key: string): Process[] => {
    const top = byKey.get(key);
    if (!top) return [];
    if (!kids) {
      kids = new Map();
      for (const p of sorted) {
        if (!p.ppid || byPid.get(p.ppid) === undefined) continue;
        const list = kids.get(p.ppid);
        if (list) list.push(p);
        else kids.set(p.ppid, [p]);
      }
    }
    const out = [top];
    const seen = new Set(out);
    // A parent's PID may have been reused since a child was forked: only the holder is its parent.
    for (let i = 0; i < out.length; i++) {
      const p = out[i] as Process;
      if (byPid.get(p.pid) !== p) continue;
      for (const c of kids.get(p.pid) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        out.push(c);
      }
    }
    return out;
  };
  const index: StateIndex = {
    byKey,
    byPid,
    childrenOf,
    subtree,
    blamed,
    zombies,
    containerTotals,
    execs: execsByProcess(state.containers),
  };
  cache.set(state, index);
  return index;
}

/**
 * [S11] The live processes adopted by their container's PID 1 (a `reparented` event the page holds
 * names them) that PID 1 may not reap, with what happens to their zombie. Zombies have the agent's
 * own analysis instead.
 */
export function adoptedFates(
  events: readonly Event[],
  index: StateIndex,
  containers: ReadonlyMap<string, Container>,
): Map<string, ZombieFate> {
  const out = new Map<string, ZombieFate>();
  for (const e of events) {
    if (e.type !== 'reparented' || e.newParentKind !== 'namespace-init') continue;
    const key = keyOf(e);
    const p = index.byKey.get(key);
    if (!p || p.state === 'Z' || out.has(key)) continue;
    const parent = index.byPid.get(p.ppid);
    const c = p.containerId ? containers.get(p.containerId) : undefined;
    const fate = zombieFate(p, parent, c, true);
    if (fate && fate.reaped !== true) out.set(key, fate);
  }
  return out;
}

/**
 * Whether a process list still has the tree shape a layout input was built from: the same
 * identities in the same order with the same parents, containers, kernel-thread flags and zombie
 * states, and the same CPU, memory or names where the input holds them (InputNeeds). Patches
 * that only move memory or rename a command keep the shape of a tree ordered by start time, so
 * the layout is reused. Compared against the input's own columns, not an earlier list: the store writes each
 * patch into the list of the state before last, so an earlier list does not keep its contents.
 */
export function sameShape(input: LayoutInput, processes: readonly Process[]): boolean {
  const n = processes.length;
  const { values } = input.needs;
  const { names } = input;
  if (input.pid.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const p = processes[i] as Process;
    const c = input.container[i] as number;
    if (
      input.pid[i] !== p.pid ||
      input.startTime[i] !== p.startTime ||
      input.ppid[i] !== p.ppid ||
      input.flags[i] !== flagsOf(p) ||
      (c < 0 ? null : input.containers[c]) !== p.containerId ||
      (values && (input.cpu[i] !== p.cpu || input.rss[i] !== p.rssBytes)) ||
      (names !== null && names[i] !== p.comm)
    ) {
      return false;
    }
  }
  return true;
}
