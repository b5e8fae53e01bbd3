// What the compressed sections of a frame hold, as JSON: pure conversions both ways. Compression
// itself is the store's (it deflates off the main thread when writing).
import type { Event, Patch, State } from '@pidscope/protocol';
import { HistoryError } from './errors.js';
import { upgradePatch, upgradeState } from './upgrade.js';

/**
 * One published tick: when, the patch from the state before it, and what brought it as the
 * agent names it (a kind of reading, a Docker change…), to tell why a recording says what it says.
 */
export interface RecordedTick {
  at: number;
  patch: Patch;
  cause?: string;
}

/** A patch as stored: its events live in the frame's events section, its type is implied. */
type StoredPatch = Omit<Patch, 'type' | 'events'>;

export function encodeTicks(ticks: readonly RecordedTick[]): string {
  return JSON.stringify(
    ticks.map(({ at, patch, cause }) => {
      const { type: _type, events: _events, ...rest } = patch;
      // No cause (a source that does not say): no `c`.
      return { at, p: rest satisfies StoredPatch, c: cause };
    }),
  );
}

function shapeError(file: string, what: string): HistoryError {
  return new HistoryError('ECORRUPT', file, `a frame's ${what} does not have its recorded shape`);
}

/**
 * The ticks of a frame, each patch with no events (they are the frame's events section), in the
 * current protocol ([H10]).
 */
export function decodeTicks(text: string, file: string): RecordedTick[] {
  const raw = JSON.parse(text) as unknown;
  if (!Array.isArray(raw)) throw shapeError(file, 'ticks');
  return raw.map((t: { at?: unknown; p?: StoredPatch; c?: unknown }) => {
    if (typeof t?.at !== 'number' || typeof t.p !== 'object' || t.p === null) {
      throw shapeError(file, 'ticks');
    }
    const patch: Patch = { type: 'patch', ...t.p, events: [] };
    upgradePatch(patch);
    // Recorded before ticks said what brought them: no cause.
    return typeof t.c === 'string' ? { at: t.at, patch, cause: t.c } : { at: t.at, patch };
  });
}

export function encodeEvents(events: readonly Event[]): string {
  return JSON.stringify(events);
}

export function decodeEvents(text: string, file: string): Event[] {
  const raw = JSON.parse(text) as unknown;
  if (!Array.isArray(raw)) throw shapeError(file, 'events');
  return raw as Event[];
}

export function encodeKeyframe(state: State): string {
  return JSON.stringify(state);
}

/**
 * A keyframe's state in the current protocol ([H10]); `shareAgain` is true when its containers were
 * recorded before their PID namespaces were compared (see upgrade.ts).
 */
export function decodeKeyframe(text: string, file: string): { state: State; shareAgain: boolean } {
  const raw = JSON.parse(text) as State;
  if (!raw || !Array.isArray(raw.processes) || !Array.isArray(raw.containers) || !raw.host) {
    throw shapeError(file, 'keyframe');
  }
  return { state: raw, shareAgain: upgradeState(raw) };
}
