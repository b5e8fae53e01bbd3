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

  const processes = new Map<string, Process>();
  for (const p of state.processes) processes.set(processKey(p), p);
  for (const r of patch.removed) {
    const key = processKey(r);
    if (!processes.delete(key)) throw invalid(`patch ${patch.seq} removes unknown process ${key}`);
  }
  for (const a of patch.added) {
    const key = processKey(a);
    if (processes.has(key)) throw invalid(`patch ${patch.seq} adds existing process ${key}`);
    processes.set(key, cloneProcess(a));
  }
  for (const u of patch.updated) {
    const key = processKey(u);
    const p = processes.get(key);
    if (!p) throw invalid(`patch ${patch.seq} updates unknown process ${key}`);
    processes.set(key, updateProcess(p, u));
  }
  // A sorted state plus appended additions is one or two sorted runs: the sort is near-linear.
  const nextProcesses = [...processes.values()].sort(compareProcesses);

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
    processes: nextProcesses,
  };
}
