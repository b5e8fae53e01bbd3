/**
 * Performance marks the benchmark reads: `pidscope:snapshot` and `pidscope:patch` measure from a
 * message's arrival to the tree's commit (store update, layout and React render).
 */
let pending: { kind: 'snapshot' | 'patch'; mark: string } | null = null;
let n = 0;

export function markReceived(kind: 'snapshot' | 'patch'): void {
  if (typeof performance === 'undefined' || !performance.mark) return;
  n += 1;
  const mark = `pidscope:${kind}:received:${n}`;
  performance.mark(mark);
  // A snapshot pending commit stays the one measured when a patch follows before the commit.
  if (pending?.kind !== 'snapshot') pending = { kind, mark };
}

export function markCommitted(): void {
  if (!pending || typeof performance === 'undefined' || !performance.measure) return;
  performance.measure(`pidscope:${pending.kind}`, pending.mark);
  performance.clearMarks(pending.mark);
  pending = null;
}
