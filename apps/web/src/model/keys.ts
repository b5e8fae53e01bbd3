const cache = new WeakMap<object, string>();

/**
 * Process identity everywhere in the UI: host PID + start time, so a reused PID is a new node.
 * Cached per object: applyPatch keeps unchanged processes, so a key is built once per process
 * rather than on every layout.
 */
export function keyOf(p: { pid: number; startTime: number }): string {
  let key = cache.get(p);
  if (key === undefined) {
    key = `${p.pid}:${p.startTime}`;
    cache.set(p, key);
  }
  return key;
}

/** A process identity, as keyOf writes it. */
export interface Identity {
  pid: number;
  startTime: number;
}

/** "pid:startTime" → its identity; null for anything else (keys also come from the URL). */
export function parseKey(key: string): Identity | null {
  const m = /^(\d+):(\d+)$/.exec(key);
  return m ? { pid: Number(m[1]), startTime: Number(m[2]) } : null;
}

/**
 * The first position, in a list sorted by pid then start time (the protocol's [S2] order), whose
 * identity is not below (pid, startTime). The list is read through accessors, so the state's
 * processes and a layout's columns share one search.
 */
export function lowerBoundOf(
  length: number,
  pidAt: (i: number) => number,
  startAt: (i: number) => number,
  pid: number,
  startTime: number,
): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const p = pidAt(mid);
    if (p < pid || (p === pid && startAt(mid) < startTime)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function shortId(containerId: string): string {
  return containerId.slice(0, 12);
}
