import { cloneContainer, cloneDocker, cloneProcess, updateHost, updateProcess } from './copy.js';
import { ProtocolError, ProtocolErrorCode } from './errors.js';
import type { Container, Patch, Process, State } from './schemas.js';
import { compareContainers, compareProcesses, processKey } from './state.js';

function invalid(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidPatch, message);
}

/**
 * The state after `patch` ([A1]–[A10] in SPEC.md). Pure: `state` and `patch` are not changed.
 * Unchanged processes and containers are shared with `state` (treat states as immutable); every
 * new or changed object is rebuilt from its known fields only, so keys like `__proto__` in an
 * untrusted patch are never copied.
 * `reuse` ([A10]): an array the result's process list is written into, in place of a new one. A
 * client applying a patch a second to thousands of processes passes the list of a state it no
 * longer shows, so no 5,000-entry array becomes garbage per patch. It must not be
 * `state.processes`; its contents are replaced only once the patch is known to fit.
 * Throws ProtocolError `seq-mismatch` when patch.baseSeq !== state.seq, and `invalid-patch` when
 * the patch contradicts the state (adds a present process, removes or updates an absent one).
 */
export function applyPatch(state: State, patch: Patch, reuse?: Process[]): State {
  if (patch.baseSeq !== state.seq) {
    throw new ProtocolError(
      ProtocolErrorCode.SeqMismatch,
      `patch ${patch.seq} applies to seq ${patch.baseSeq}, but the state is at seq ${state.seq}`,
    );
  }
  if (reuse === state.processes) {
    throw new TypeError('applyPatch: reuse must not be the state’s own process list');
  }

  const containers = new Map<string, Container>();
  for (const c of state.containers) containers.set(c.id, c);
  for (const id of patch.containers.removed) {
    if (!containers.delete(id)) throw invalid(`patch ${patch.seq} removes unknown container ${id}`);
  }
  for (const c of patch.containers.upserted) {
    containers.set(c.id, cloneContainer(c));
  }
  const nextContainers = [...containers.values()].sort(compareContainers);
  // Last: it writes into `reuse`, and every check has passed once it returns.
  const processes = applyToProcesses(state.processes, patch, reuse);

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
 * patch may remove and re-add an identity, or update one it adds). Two passes over the list: the
 * first reads the few PIDs the patch touches (keys are built for those only) and checks the patch
 * against them; the second writes the result, merging additions in by order. Nothing is written
 * before every check has passed.
 */
function applyToProcesses(current: readonly Process[], patch: Patch, reuse?: Process[]): Process[] {
  const touchedPids = new Set<number>();
  for (const list of [patch.removed, patch.added, patch.updated]) {
    for (const p of list) touchedPids.add(p.pid);
  }
  // The touched identities, as each step of the patch changes them (first: what the list holds).
  const live = new Map<string, Process>();
  let sorted = true;
  let prev: Process | undefined;
  for (const p of current) {
    if (prev && compareProcesses(prev, p) > 0) sorted = false;
    prev = p;
    if (touchedPids.has(p.pid)) live.set(processKey(p), p);
  }
  const removing = new Set<string>();
  for (const r of patch.removed) {
    const key = processKey(r);
    if (!live.delete(key)) throw invalid(`patch ${patch.seq} removes unknown process ${key}`);
    removing.add(key);
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

  // Written by index and cut to length at the end: a reused array keeps its storage.
  const out = reuse ?? [];
  let k = 0;
  // A listed process that the patch removes is dropped; an updated one is replaced. Updates keep
  // identities, so they keep their places.
  const keep = (p: Process): void => {
    if (!touchedPids.has(p.pid)) {
      out[k++] = p;
      return;
    }
    const key = processKey(p);
    if (!removing.has(key)) out[k++] = live.get(key) ?? p;
  };
  const final = (p: Process): Process =>
    patch.updated.length === 0 ? p : (live.get(processKey(p)) ?? p);
  if (!sorted) {
    for (const p of current) keep(p);
    for (const a of added) out[k++] = final(a);
    out.length = k;
    return out.sort(compareProcesses);
  }
  added.sort(compareProcesses);
  let j = 0;
  for (const p of current) {
    while (j < added.length && compareProcesses(added[j] as Process, p) < 0) {
      out[k++] = final(added[j++] as Process);
    }
    keep(p);
  }
  while (j < added.length) out[k++] = final(added[j++] as Process);
  out.length = k;
  return out;
}
