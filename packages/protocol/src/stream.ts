import { applyPatch } from './apply.js';
import { ProtocolError } from './errors.js';
import type { Event, Hello, Process, ServerMessage, State } from './schemas.js';

/** [T3] The agent sends a heartbeat when it has sent a client nothing else for this long. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** [T3] A client that has received nothing for this long (three heartbeats) shows stale data. */
export const STALE_AFTER_MS = 3 * HEARTBEAT_INTERVAL_MS;
/** [T5] Past this many unsent bytes on a socket the agent stops sending patches to it. */
export const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** [T5] A client that fell behind gets its fresh snapshot once its unsent bytes are below this. */
export const LOW_WATER_BYTES = 256 * 1024;
/** [T6] A client still behind after this long is closed with 1013 (try again later). */
export const LAG_TIMEOUT_MS = 60_000;
/** [T8] A client may send at most this many messages per CLIENT_MESSAGE_WINDOW_MS… */
export const CLIENT_MESSAGE_LIMIT = 20;
/** [T8] …or it is closed with 1008 (policy violation). */
export const CLIENT_MESSAGE_WINDOW_MS = 10_000;

/** What a client knows from the stream so far. */
export interface StreamView {
  hello: Hello | null;
  state: State | null;
  /** A resync was asked for; patches are ignored until the next snapshot ([T4]). */
  awaitingSnapshot: boolean;
}

export interface StreamStep {
  view: StreamView;
  /** When set, send `{ type: 'resync', reason }` (once; later steps stay quiet until a snapshot). */
  resync: string | null;
  /** Events of a patch that was applied, in order. */
  events: readonly Event[];
}

export const initialStreamView: StreamView = { hello: null, state: null, awaitingSnapshot: false };

const none: readonly Event[] = [];

/**
 * [T4] Asks for a fresh snapshot (once: while one is awaited this stays quiet). `receive` calls it
 * for a patch or heartbeat that does not fit; a client calls it for a message it cannot read.
 */
export function requestResync(view: StreamView, reason: string): StreamStep {
  if (view.awaitingSnapshot) return { view, resync: null, events: none };
  return { view: { ...view, awaitingSnapshot: true }, resync: reason, events: none };
}

/**
 * [T1] A new socket: the agent sends hello and a snapshot first, so patches wait for that snapshot
 * (no resync is asked for). The state held stays until then, for the page to show as stale.
 */
export function openStream(view: StreamView): StreamView {
  return view.awaitingSnapshot ? view : { ...view, awaitingSnapshot: true };
}

/**
 * The client side of [T1]–[T5] as a pure reducer: feed it every parsed server message; it applies
 * snapshots and patches and says when to ask for a resync. The caller keeps the view and sends the
 * resync message; it never needs to compare seqs itself. A patch that does not apply ([A1], [A4])
 * is handled here: it asks for a resync and leaves the view's state as it was.
 * `reuse` is passed to applyPatch ([A10]) for a patch's process list.
 */
export function receive(view: StreamView, msg: ServerMessage, reuse?: Process[]): StreamStep {
  switch (msg.type) {
    case 'hello':
      return { view: { ...view, hello: msg }, resync: null, events: none };
    case 'snapshot':
      return {
        view: { ...view, state: { ...msg.state, seq: msg.seq }, awaitingSnapshot: false },
        resync: null,
        events: none,
      };
    case 'heartbeat': {
      const seq = view.state?.seq;
      if (seq === undefined || msg.seq <= seq) return { view, resync: null, events: none };
      return requestResync(view, `heartbeat at seq ${msg.seq}, state at seq ${seq}`);
    }
    case 'patch': {
      const state = view.state;
      if (view.awaitingSnapshot) return { view, resync: null, events: none };
      if (!state) return requestResync(view, `patch ${msg.seq} before any snapshot`);
      // Sent before a snapshot the client already holds: nothing to do.
      if (msg.seq <= state.seq) return { view, resync: null, events: none };
      try {
        return {
          view: { ...view, state: applyPatch(state, msg, reuse) },
          resync: null,
          events: msg.events,
        };
      } catch (err) {
        if (err instanceof ProtocolError) return requestResync(view, err.message);
        throw err;
      }
    }
  }
}
