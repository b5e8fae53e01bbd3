// Headroom over time, kept in memory as change points (a value holds until the next point; null
// means nothing is recorded: a gap between agent runs, or a container that has gone). Built from
// frame summaries at open and as frames are written; read back as one value per bucket.
import type { ContainerNumbers, Summary } from './summary.js';

/** Per bucket: the highest value the series took in it, or null when it had none. */
export type Buckets = (number | null)[];

export interface SeriesAnswer {
  from: number;
  to: number;
  /** Bucket i covers [from + i·step, from + (i+1)·step). */
  step: number;
  host: { tasks: Buckets; zombies: Buckets; headroom: Buckets; limit: Buckets };
  containers: {
    id: string;
    pidsCurrent: Buckets;
    pidsMax: Buckets;
    forkFailures: Buckets;
  }[];
}

interface Points<V> {
  at: number[];
  values: (V | null)[];
}

type HostNumbers = readonly [tasks: number, zombies: number, headroom: number, limit: number];

const sameHost = (a: Summary, b: Summary): boolean =>
  a.tasks === b.tasks &&
  a.zombies === b.zombies &&
  a.headroom === b.headroom &&
  a.limit === b.limit;
const sameContainer = (a: ContainerNumbers, b: ContainerNumbers): boolean =>
  a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

function pushPoint<V>(p: Points<V>, at: number, v: V | null): void {
  const last = p.at.length - 1;
  // Two points at one moment: the later one is what held from then on.
  if (last >= 0 && p.at[last] === at) p.values[last] = v;
  else {
    p.at.push(at);
    p.values.push(v);
  }
}

/** Index of the first point at or after `at` (binary search). */
function firstAtOrAfter(at: readonly number[], t: number): number {
  let lo = 0;
  let hi = at.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((at[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The step function of `points` (through `pick`), as the maximum over each bucket. */
export function bucketMax<V>(
  points: Points<V>,
  pick: (v: V) => number | null,
  from: number,
  step: number,
  n: number,
): Buckets {
  const out: Buckets = new Array(n).fill(null);
  let i = firstAtOrAfter(points.at, from);
  // What held when the first bucket opened.
  let current: number | null = i > 0 ? pointValue(points.values[i - 1], pick) : null;
  for (let b = 0; b < n; b++) {
    const start = from + b * step;
    const end = start + step;
    // A point right at the start replaces what held before it.
    let best = points.at[i] === start ? null : current;
    while (i < points.at.length && (points.at[i] as number) < end) {
      current = pointValue(points.values[i], pick);
      if (current !== null && (best === null || current > best)) best = current;
      i++;
    }
    out[b] = best;
  }
  return out;
}

function pointValue<V>(v: V | null | undefined, pick: (v: V) => number | null): number | null {
  return v === null || v === undefined ? null : pick(v);
}

export class Series {
  #host: Points<HostNumbers> = { at: [], values: [] };
  #containers = new Map<string, Points<ContainerNumbers>>();
  #last: Summary | null = null;

  /** Records the summary after a frame at `at`. */
  push(at: number, s: Summary): void {
    const prev = this.#last;
    if (!prev || !sameHost(prev, s)) {
      pushPoint(this.#host, at, [s.tasks, s.zombies, s.headroom, s.limit]);
    }
    for (const [id, n] of s.containers) {
      const before = prev?.containers.get(id);
      if (before && sameContainer(before, n)) continue;
      let p = this.#containers.get(id);
      if (!p) {
        p = { at: [], values: [] };
        this.#containers.set(id, p);
      }
      pushPoint(p, at, n);
    }
    if (prev) {
      for (const id of prev.containers.keys()) {
        if (!s.containers.has(id)) this.#gone(id, at);
      }
    }
    this.#last = s;
  }

  /** Nothing is recorded from `at` until the next push (the agent stopped, or recording paused). */
  gap(at: number): void {
    const prev = this.#last;
    if (!prev) return;
    pushPoint(this.#host, at, null);
    for (const id of prev.containers.keys()) this.#gone(id, at);
    this.#last = null;
  }

  #gone(id: string, at: number): void {
    const p = this.#containers.get(id);
    if (p) pushPoint(p, at, null);
  }

  /** Forgets every point before `at`, keeping what held at `at` (retention dropped a segment). */
  dropBefore(at: number): void {
    const trim = <V>(p: Points<V>): void => {
      const i = firstAtOrAfter(p.at, at);
      if (i === 0) return;
      p.at.splice(0, i);
      p.values.splice(0, i);
    };
    trim(this.#host);
    for (const [id, p] of this.#containers) {
      trim(p);
      if (p.at.length === 0) this.#containers.delete(id);
    }
  }

  /** `n` buckets over [from, to). Containers without any value in the range are left out. */
  query(from: number, to: number, n: number): SeriesAnswer {
    const step = (to - from) / n;
    const host = (k: 0 | 1 | 2 | 3) => bucketMax(this.#host, (v) => v[k], from, step, n);
    const containers: SeriesAnswer['containers'] = [];
    for (const [id, p] of this.#containers) {
      const pidsCurrent = bucketMax(p, (v) => v[0], from, step, n);
      const forkFailures = bucketMax(p, (v) => v[2], from, step, n);
      if (forkFailures.every((v) => v === null)) continue;
      containers.push({
        id,
        pidsCurrent,
        pidsMax: bucketMax(p, (v) => v[1], from, step, n),
        forkFailures,
      });
    }
    containers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      from,
      to,
      step,
      host: { tasks: host(0), zombies: host(1), headroom: host(2), limit: host(3) },
      containers,
    };
  }
}
