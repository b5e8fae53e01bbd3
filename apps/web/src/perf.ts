/**
 * Performance measures the benchmark reads: `pidscope:snapshot` and `pidscope:patch` run from a
 * stream message's arrival (before parsing) to the tree's commit: parse and validation, store
 * update, layout and React render.
 */
let arrival = 0;
let pending: { kind: 'snapshot' | 'patch'; start: number; seq: number } | null = null;

const supported = () =>
  typeof performance !== 'undefined' && typeof performance.measure === 'function';

export function markArrival(): void {
  if (supported()) arrival = performance.now();
}

/** A snapshot or patch taking the state to `seq` arrived (its time is the socket message's). */
export function markReceived(kind: 'snapshot' | 'patch', seq: number): void {
  if (!supported()) return;
  // A snapshot not yet drawn stays the one measured when a patch follows before the commit.
  if (pending?.kind !== 'snapshot') pending = { kind, start: arrival || performance.now(), seq };
  else pending.seq = seq;
}

/** Records `pidscope:<name>` from `start` to now (performance.now() time). */
export function measureSince(name: string, start: number): void {
  if (supported()) performance.measure(`pidscope:${name}`, { start, end: performance.now() });
}

/** The tree committed shows the state at `seq`, laid out: ends the measure of what led to it. */
export function markCommitted(seq: number): void {
  if (!pending || !supported() || seq < pending.seq) return;
  measureSince(pending.kind, pending.start);
  pending = null;
}

/** Times one step of the render path as `pidscope:<name>` (the benchmark reports each). */
export function timed<T>(name: string, run: () => T): T {
  if (!supported()) return run();
  const start = performance.now();
  const out = run();
  measureSince(name, start);
  return out;
}
