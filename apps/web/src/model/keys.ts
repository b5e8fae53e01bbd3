/** Process identity everywhere in the UI: host PID + start time, so a reused PID is a new node. */
export function keyOf(p: { pid: number; startTime: number }): string {
  return `${p.pid}:${p.startTime}`;
}

/** The in-container PID (innermost NSpid) when the process lives in a nested PID namespace. */
export function nsPidOf(p: { nsPids: readonly number[] }): number | null {
  return p.nsPids.length > 1 ? (p.nsPids[p.nsPids.length - 1] ?? null) : null;
}

export function shortId(containerId: string): string {
  return containerId.slice(0, 12);
}
