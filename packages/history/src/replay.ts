// From recorded frames back to states: a keyframe plus the patches after it, applied with the
// protocol's own applyPatch (the function every client runs), and the difference of two states.
import {
  applyPatch,
  type Container,
  diff,
  type Event,
  type HistoryDiff,
  type Process,
  processKey,
  type State,
} from '@pidscope/protocol';
import type { RecordedTick } from './records.js';

export interface Replayed {
  state: State;
  /** When that state was published: the keyframe's moment or the last tick applied. */
  recordedAt: number;
}

/**
 * The state after every tick at or before `at`, starting from `keyframe` (the state at
 * `keyframeAt`). Ticks must follow the keyframe in order; a patch that does not apply throws the
 * protocol's error. The keyframe's own arrays are reused as scratch space: pass a fresh one.
 */
export function replay(
  keyframe: State,
  keyframeAt: number,
  ticks: Iterable<RecordedTick>,
  at: number,
): Replayed {
  let state = keyframe;
  let recordedAt = keyframeAt;
  // applyPatch writes each result into the list of the state before last ([A10]).
  let spare: Process[] = [];
  for (const t of ticks) {
    if (t.at > at) break;
    const previous = state.processes;
    state = applyPatch(state, t.patch, spare);
    spare = previous;
    recordedAt = t.at;
  }
  if (state.processes === keyframe.processes) return { state, recordedAt };
  // The result's list must not be shared with the scratch arrays.
  return { state: { ...state, processes: [...state.processes] }, recordedAt };
}

/** What changed from `a` (at `from`) to `b` (at `to`), with the events between ([H4]). */
export function historyDiff(
  a: State,
  b: State,
  from: number,
  to: number,
  events: { events: Event[]; more: boolean },
): HistoryDiff {
  const patch = diff(a, b);
  const before = new Map<string, Process>();
  for (const p of a.processes) before.set(processKey(p), p);
  const replaced = new Set(patch.added.map(processKey));
  const vanished = patch.removed
    // A process removed and added again in one patch ([D5]) has not vanished.
    .filter((k) => !replaced.has(processKey(k)))
    .map((k) => before.get(processKey(k)) as Process);
  const beforeContainers = new Map<string, Container>(a.containers.map((c) => [c.id, c]));
  const upserted = patch.containers.upserted;
  return {
    from,
    to,
    processes: { appeared: patch.added, vanished, changed: patch.updated },
    containers: {
      appeared: upserted.filter((c) => !beforeContainers.has(c.id)),
      vanished: patch.containers.removed.map((id) => beforeContainers.get(id) as Container),
      changed: upserted.filter((c) => beforeContainers.has(c.id)),
    },
    host: patch.host ?? {},
    events: events.events,
    more: events.more,
  };
}
