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

/**
 * The browser keeps every measure until the page clears it: at about seven a second, an open
 * dashboard grew by tens of thousands of entries an hour. Each name keeps its newest ones only.
 */
export const MEASURES_KEPT = 1000;
const counts = new Map<string, number>();

/** Records `pidscope:<name>` from `start` to now (performance.now() time). */
export function measureSince(name: string, start: number): void {
  if (!supported()) return;
  const full = `pidscope:${name}`;
  const n = (counts.get(full) ?? 0) + 1;
  if (n > MEASURES_KEPT) {
    // The oldest half goes; clearMeasures drops a name's entries all at once, so keep the rest.
    const kept = performance.getEntriesByName(full, 'measure').slice(-MEASURES_KEPT / 2);
    performance.clearMeasures(full);
    for (const m of kept)
      performance.measure(full, { start: m.startTime, end: m.startTime + m.duration });
    counts.set(full, kept.length + 1);
  } else counts.set(full, n);
  performance.measure(full, { start, end: performance.now() });
}

/** The tree committed shows the state at `seq`, laid out: ends the measure of what led to it. */
export function markCommitted(seq: number): void {
  if (!pending || !supported() || seq < pending.seq) return;
  measureSince(pending.kind, pending.start);
  if (pending.kind === 'snapshot') markFirstDrawn();
  pending = null;
}

let drawn = false;

/**
 * `pidscope:tree-drawn`, once: the page's first tree is on screen. A frame's callbacks run before
 * its paint, so the mark waits for a message posted from one, which is handled after that frame.
 */
function markFirstDrawn(): void {
  if (drawn || typeof requestAnimationFrame !== 'function') return;
  drawn = true;
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      performance.mark('pidscope:tree-drawn');
      channel.port1.close();
    };
    channel.port2.postMessage(null);
  });
}

/** Times one step of the render path as `pidscope:<name>` (the benchmark reports each). */
export function timed<T>(name: string, run: () => T): T {
  if (!supported()) return run();
  const start = performance.now();
  const out = run();
  measureSince(name, start);
  return out;
}

/**
 * A recorded moment, from the pointer stopping on the timeline to the tree drawn for it
 * (`pidscope:moment`): asked (each move asks anew; the last one counts), its state shown, drawn.
 */
let moment: { start: number; state: object | null } | null = null;

export function markMomentAsked(): void {
  if (supported()) moment = { start: performance.now(), state: null };
}

/** The view of the moment asked last holds `state`. */
export function markMomentShown(state: object): void {
  if (moment) moment.state = state;
}

/** The tree drawn is laid out from `state`. */
export function markDrawn(state: object): void {
  if (!moment || moment.state !== state) return;
  measureSince('moment', moment.start);
  moment = null;
}
