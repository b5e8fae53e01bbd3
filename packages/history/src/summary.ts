// The headroom numbers every frame carries uncompressed, so the store can rebuild the sparkline
// series at open from frame heads alone. A keyframe carries them all; a ticks frame only what
// changed since the frame before it in the same segment.
import type { State } from '@pidscope/protocol';

/** A container's pids cgroup numbers: pids.current, effective pids.max, fork failures. */
export type ContainerNumbers = readonly [
  current: number | null,
  max: number | null,
  forkFailures: number,
];

export interface Summary {
  tasks: number;
  zombies: number;
  headroom: number;
  /** The host's usable task limit, min(pid_max - 300, threads-max). */
  limit: number;
  containers: ReadonlyMap<string, ContainerNumbers>;
}

/** What a frame stores: the fields that changed; a container mapped to null has gone. */
export interface SummaryDelta {
  t?: number;
  z?: number;
  r?: number;
  l?: number;
  c?: Record<string, ContainerNumbers | null>;
}

export function summarize(state: State): Summary {
  const h = state.host;
  const containers = new Map<string, ContainerNumbers>();
  for (const c of state.containers) {
    containers.set(c.id, [c.pidsCurrent, c.pidsMax, c.forkFailures]);
  }
  return {
    tasks: h.tasks,
    zombies: h.zombies,
    headroom: h.headroom,
    // headroom = min(pid_max - 300, threads-max) - tasks (procfs computes it once).
    limit: h.tasks + h.headroom,
    containers,
  };
}

const sameNumbers = (a: ContainerNumbers, b: ContainerNumbers): boolean =>
  a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** What changed from `prev` to `next`; everything when `prev` is null (a keyframe). */
export function summaryDelta(prev: Summary | null, next: Summary): SummaryDelta {
  const d: SummaryDelta = {};
  if (prev?.tasks !== next.tasks) d.t = next.tasks;
  if (prev?.zombies !== next.zombies) d.z = next.zombies;
  if (prev?.headroom !== next.headroom) d.r = next.headroom;
  if (prev?.limit !== next.limit) d.l = next.limit;
  const c: Record<string, ContainerNumbers | null> = {};
  let any = false;
  for (const [id, n] of next.containers) {
    const before = prev?.containers.get(id);
    if (before && sameNumbers(before, n)) continue;
    c[id] = n;
    any = true;
  }
  if (prev) {
    for (const id of prev.containers.keys()) {
      if (!next.containers.has(id)) {
        c[id] = null;
        any = true;
      }
    }
  }
  if (any) d.c = c;
  return d;
}

export function encodeSummary(d: SummaryDelta): string {
  return JSON.stringify(d);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCountOrNull = (v: unknown): v is number | null => v === null || isCount(v);

/** Parses a frame's summary; fields of the wrong type are left out rather than trusted. */
export function decodeSummary(text: string): SummaryDelta {
  if (text === '') return {};
  const raw = JSON.parse(text) as Record<string, unknown>;
  const d: SummaryDelta = {};
  if (isCount(raw.t)) d.t = raw.t;
  if (isCount(raw.z)) d.z = raw.z;
  if (isCount(raw.r)) d.r = raw.r;
  if (isCount(raw.l)) d.l = raw.l;
  if (raw.c && typeof raw.c === 'object') {
    const c: Record<string, ContainerNumbers | null> = {};
    for (const [id, v] of Object.entries(raw.c)) {
      if (v === null) c[id] = null;
      else if (Array.isArray(v) && isCountOrNull(v[0]) && isCountOrNull(v[1]) && isCount(v[2])) {
        c[id] = [v[0], v[1], v[2]];
      }
    }
    d.c = c;
  }
  return d;
}

/** `prev` with a delta applied; a keyframe's delta applies to null. */
export function applySummary(prev: Summary | null, d: SummaryDelta): Summary {
  const containers = new Map(prev?.containers ?? []);
  for (const [id, n] of Object.entries(d.c ?? {})) {
    if (n === null) containers.delete(id);
    else containers.set(id, n);
  }
  return {
    tasks: d.t ?? prev?.tasks ?? 0,
    zombies: d.z ?? prev?.zombies ?? 0,
    headroom: d.r ?? prev?.headroom ?? 0,
    limit: d.l ?? prev?.limit ?? 0,
    containers,
  };
}
