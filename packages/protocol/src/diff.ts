import { cloneContainer, cloneDocker, cloneProcess } from './copy.js';
import {
  CONTAINER_FIELDS,
  copyValue,
  DOCKER_FIELDS,
  HOST_FIELDS,
  jsonEqual,
  sameFields,
  UPDATABLE_FIELDS,
} from './fields.js';
import {
  type Container,
  type Event,
  FIXED_PROCESS_FIELDS,
  type Host,
  type Patch,
  type Process,
  type ProcessUpdate,
  type State,
} from './schemas.js';
import { processKey } from './state.js';

/**
 * The patch that turns `prev` into `next` ([D1]–[D9] in SPEC.md). Pure: neither input is changed
 * and the patch shares no objects with them, except the `events`, which are passed through.
 */
export function diff(prev: State, next: State, events: readonly Event[] = []): Patch {
  const before = new Map<string, Process>();
  for (const p of prev.processes) before.set(processKey(p), p);

  const added: Process[] = [];
  const updated: ProcessUpdate[] = [];
  const removed: { pid: number; startTime: number }[] = [];
  for (const p of next.processes) {
    const key = processKey(p);
    const old = before.get(key);
    // What is left in `before` afterwards is gone, still in prev's order (Maps keep insertion order).
    before.delete(key);
    if (old === p) continue;
    if (!old) {
      added.push(cloneProcess(p));
    } else if (!sameFields(old, p, FIXED_PROCESS_FIELDS)) {
      removed.push({ pid: p.pid, startTime: p.startTime });
      added.push(cloneProcess(p));
    } else {
      const u = processUpdate(old, p);
      if (u) updated.push(u);
    }
  }
  for (const p of before.values()) removed.push({ pid: p.pid, startTime: p.startTime });

  const patch: Patch = {
    type: 'patch',
    seq: next.seq,
    baseSeq: prev.seq,
    added,
    updated,
    removed,
    containers: diffContainers(prev.containers, next.containers),
    events: [...events],
  };
  const host = diffHost(prev.host, next.host);
  if (host) patch.host = host;
  if (!sameFields(prev.docker, next.docker, DOCKER_FIELDS)) patch.docker = cloneDocker(next.docker);
  return patch;
}

/** The changed fields of a same-identity process, or null when nothing changed. */
function processUpdate(old: Process, p: Process): ProcessUpdate | null {
  let u: ProcessUpdate | null = null;
  for (const f of UPDATABLE_FIELDS) {
    if (jsonEqual(old[f], p[f])) continue;
    u ??= { pid: p.pid, startTime: p.startTime };
    (u as Record<string, unknown>)[f] = copyValue(p[f]);
  }
  return u;
}

function diffContainers(
  prev: readonly Container[],
  next: readonly Container[],
): Patch['containers'] {
  const before = new Map<string, Container>();
  for (const c of prev) before.set(c.id, c);
  const upserted: Container[] = [];
  const ids = new Set<string>();
  for (const c of next) {
    ids.add(c.id);
    const old = before.get(c.id);
    if (!old || !sameFields(old, c, CONTAINER_FIELDS)) upserted.push(cloneContainer(c));
  }
  const removed = prev.filter((c) => !ids.has(c.id)).map((c) => c.id);
  return { upserted, removed };
}

function diffHost(prev: Host, next: Host): Partial<Host> | null {
  let changes: Partial<Host> | null = null;
  for (const f of HOST_FIELDS) {
    // host.namespaces is an object: compared by value, sent as a copy.
    if (jsonEqual(prev[f], next[f])) continue;
    changes ??= {};
    (changes as Record<string, unknown>)[f] = copyValue(next[f]);
  }
  return changes;
}

/** True when a patch carries nothing: no process, container, host or Docker change, no events. */
export function isEmptyPatch(patch: Patch): boolean {
  return (
    patch.added.length === 0 &&
    patch.updated.length === 0 &&
    patch.removed.length === 0 &&
    patch.containers.upserted.length === 0 &&
    patch.containers.removed.length === 0 &&
    (patch.host === undefined || Object.keys(patch.host).length === 0) &&
    patch.docker === undefined &&
    patch.events.length === 0
  );
}
