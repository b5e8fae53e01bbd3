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

/** The in-container PID (innermost NSpid) when the process lives in a nested PID namespace. */
export function nsPidOf(p: { nsPids: readonly number[] }): number | null {
  return p.nsPids.length > 1 ? (p.nsPids[p.nsPids.length - 1] ?? null) : null;
}

export function shortId(containerId: string): string {
  return containerId.slice(0, 12);
}
