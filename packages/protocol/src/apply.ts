import { ProtocolError, ProtocolErrorCode } from './errors.js';
import { cloneContainer, cloneDocker, cloneProcess, updateHost, updateProcess } from './fields.js';
import type { Container, Patch, Process, State } from './schemas.js';
import { compareContainers, compareProcesses, processKey } from './state.js';

function invalid(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidPatch, message);
}

/**
 * The state after `patch` ([A1]–[A8] in SPEC.md). Pure: `state` and `patch` are not changed.
 * Unchanged processes and containers are shared with `state` (treat states as immutable); every
 * new or changed object is rebuilt from its known fields only, so keys like `__proto__` in an
 * untrusted patch are never copied.
 * Throws ProtocolError `seq-mismatch` when patch.baseSeq !== state.seq, and `invalid-patch` when
 * the patch contradicts the state (adds a present process, removes or updates an absent one).
 */
export function applyPatch(state: State, patch: Patch): State {
  if (patch.baseSeq !== state.seq) {
    throw new ProtocolError(
      ProtocolErrorCode.SeqMismatch,
      `patch ${patch.seq} applies to seq ${patch.baseSeq}, but the state is at seq ${state.seq}`,
    );
  }

  const processes = applyToProcesses(state.processes, patch);
  const containers = new Map<string, Container>();
  for (const c of state.containers) containers.set(c.id, c);
  for (const id of patch.containers.removed) {
    if (!containers.delete(id)) throw invalid(`patch ${patch.seq} removes unknown container ${id}`);
  }
  for (const c of patch.containers.upserted) {
    containers.set(c.id, cloneContainer(c));
  }
  const nextContainers = [...containers.values()].sort(compareContainers);

  return {
    seq: patch.seq,
    host: patch.host ? updateHost(state.host, patch.host) : state.host,
    docker: patch.docker ? cloneDocker(patch.docker) : state.docker,
    containers: nextContainers,
    processes,
  };
}

/**
 * The process list after the patch's removals, additions and updates, in that order (so a
 * patch may remove and re-add an identity, or update one it adds). One pass over the list, with
 * a key built only for the few PIDs the patch touches: clients apply a patch every second to
 * thousands of processes, and a map of every process per patch was most of that time.
 */
function applyToProcesses(current: readonly Process[], patch: Patch): Process[] {
  const touchedPids = new Set<number>();
  for (const list of [patch.removed, patch.added, patch.updated]) {
    for (const p of list) touchedPids.add(p.pid);
  }
  const removing = new Set(patch.removed.map(processKey));
  // The touched identities, as each step of the patch changes them (first: what the list holds).
  const live = new Map<string, Process>();
  const kept: Process[] = [];
  let sorted = true;
  let prev: Process | undefined;
  for (const p of current) {
    if (prev && compareProcesses(prev, p) > 0) sorted = false;
    prev = p;
    if (touchedPids.has(p.pid)) {
      const key = processKey(p);
      live.set(key, p);
      if (removing.has(key)) continue;
    }
    kept.push(p);
  }

  for (const r of patch.removed) {
    const key = processKey(r);
    if (!live.delete(key)) throw invalid(`patch ${patch.seq} removes unknown process ${key}`);
  }
  const added: Process[] = [];
  for (const a of patch.added) {
    const key = processKey(a);
    if (live.has(key)) throw invalid(`patch ${patch.seq} adds existing process ${key}`);
    const p = cloneProcess(a);
    live.set(key, p);
    added.push(p);
  }
  for (const u of patch.updated) {
    const key = processKey(u);
    const p = live.get(key);
    if (!p) throw invalid(`patch ${patch.seq} updates unknown process ${key}`);
    live.set(key, updateProcess(p, u));
  }

  // Updates keep identities, so they keep their places; additions are merged in by order.
  const finalOf = (p: Process): Process => {
    if (patch.updated.length === 0 || !touchedPids.has(p.pid)) return p;
    return live.get(processKey(p)) ?? p;
  };
  if (!sorted) return [...kept, ...added].map(finalOf).sort(compareProcesses);
  added.sort(compareProcesses);
  const out: Process[] = new Array(kept.length + added.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < kept.length || j < added.length) {
    const a = kept[i];
    const b = added[j];
    if (b === undefined || (a !== undefined && compareProcesses(a, b) < 0)) {
      out[k++] = finalOf(a as Process);
      i++;
    } else {
      out[k++] = finalOf(b);
      j++;
    }
  }
  return out;
}
