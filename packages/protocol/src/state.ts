import type { Container, Process, ProcessKey, State } from './schemas.js';

/** The identity of a process everywhere in pidscope: host PID + start time (clock ticks). */
export function processKey(p: { pid: number; startTime: number }): string {
  return `${p.pid}:${p.startTime}`;
}

/** [S2] The order of `State.processes`: by pid, then by startTime. */
export function compareProcesses(a: ProcessKey, b: ProcessKey): number {
  return a.pid - b.pid || a.startTime - b.startTime;
}

/** [S2] The order of `State.containers`: by id (code-unit order, the same in every JS engine). */
export function compareContainers(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A sorted copy of `processes` in the [S2] order; the input is not changed. */
export function sortProcesses<P extends ProcessKey>(processes: readonly P[]): P[] {
  return [...processes].sort(compareProcesses);
}

/** A sorted copy of `containers` in the [S2] order; the input is not changed. */
export function sortContainers<C extends { id: string }>(containers: readonly C[]): C[] {
  return [...containers].sort(compareContainers);
}

/** `state` with processes and containers in the [S2] order (a shallow copy; the input is not changed). */
export function normalizeState(state: State): State {
  return {
    seq: state.seq,
    host: state.host,
    docker: state.docker,
    containers: sortContainers(state.containers),
    processes: sortProcesses(state.processes),
  };
}

/**
 * Problems with the [S1]/[S2] invariants of a schema-valid state: duplicate identities or
 * container ids, and order. Empty when the state is sound.
 */
export function stateInvariantProblems(state: State): string[] {
  const problems: string[] = [];
  const keys = new Set<string>();
  let prev: Process | undefined;
  for (const p of state.processes) {
    const key = processKey(p);
    if (keys.has(key)) problems.push(`process ${key} appears more than once`);
    keys.add(key);
    if (prev && compareProcesses(prev, p) > 0) {
      problems.push(`process ${key} is out of order (after ${processKey(prev)})`);
    }
    prev = p;
  }
  const ids = new Set<string>();
  let prevContainer: Container | undefined;
  for (const c of state.containers) {
    if (ids.has(c.id)) problems.push(`container ${c.id} appears more than once`);
    ids.add(c.id);
    if (prevContainer && compareContainers(prevContainer, c) > 0) {
      problems.push(`container ${c.id} is out of order (after ${prevContainer.id})`);
    }
    prevContainer = c;
  }
  return problems;
}
