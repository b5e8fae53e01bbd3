import {
  applyPatch,
  type Event,
  type Hello,
  type Patch,
  type Process,
  type Snapshot,
  type State,
} from '@pidscope/protocol';
import { History } from './headroom.js';
import { keyOf } from './keys.js';

/** How long a reparented process keeps its marked edge. */
export const REPARENT_MARK_MS = 30_000;
/** The clock's resolution: ages and "updated … ago" move by seconds. */
export const CLOCK_MS = 1000;
/** Events kept client-side for the timeline. */
export const MAX_EVENTS = 1000;

export interface StoreView {
  /** Bumped on every change, so React sees a new object. */
  version: number;
  hello: Hello | null;
  state: State | null;
  /** Oldest first. */
  events: readonly Event[];
  /** Reparented process key → when this client learnt of it (client clock, ms). */
  reparented: ReadonlyMap<string, number>;
  history: History;
  /** The client clock at the last tick, snapshot or patch (ms). */
  now: number;
  /** When the last snapshot or patch arrived (client clock, ms); null before the first. */
  updatedAt: number | null;
}

function eventId(e: Event): string {
  return `${e.id}:${e.at}:${e.type}`;
}

/** The client's live model: the agent's state plus what the UI keeps over time. */
export class LiveStore {
  private view: StoreView = {
    version: 0,
    hello: null,
    state: null,
    events: [],
    reparented: new Map(),
    history: new History(),
    now: Date.now(),
    updatedAt: null,
  };
  private readonly seen = new Set<string>();
  /**
   * The process list of the state before the current one, which the next patch is written into
   * ([A10]): a list of 5,000 made and dropped every second was the largest single thing the
   * page promoted to the old generation, which the collector must later compact.
   * Two states are kept whole, the one shown and the one before it, which React may still be
   * leaving; anything older must not be read. Only lists the store made are reused, never the
   * one a snapshot brought.
   */
  private spare: Process[] = [];
  private ownsCurrent = false;
  /** The events before last, which the next live events are written into (see `spare`). */
  private spareEvents: Event[] = [];
  private readonly dropped: Event[] = [];
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  readonly getSnapshot = (): StoreView => this.view;

  private commit(next: Partial<StoreView>): void {
    this.view = { ...this.view, ...next, version: this.view.version + 1 };
    for (const fn of this.listeners) fn();
  }

  setHello(hello: Hello): void {
    this.commit({ hello });
  }

  applySnapshot(snapshot: Snapshot, now: number): void {
    this.spare = [];
    this.ownsCurrent = false;
    this.record(snapshot.state, now);
    this.commit({
      state: snapshot.state,
      reparented: this.expire(this.view.reparented, now),
      now,
      updatedAt: now,
    });
  }

  /** Applies a patch in order; throws the protocol's error when it does not fit (resync then). */
  applyPatch(patch: Patch, now: number): void {
    const current = this.view.state;
    if (!current) throw new Error('patch before snapshot');
    const state = applyPatch(current, patch, this.spare);
    this.spare = this.ownsCurrent ? (current.processes as Process[]) : [];
    this.ownsCurrent = true;
    const merged = this.mergeEvents(patch.events, now);
    this.record(state, now);
    this.commit({
      state,
      events: merged.events,
      reparented: this.expire(merged.reparented, now),
      now,
      updatedAt: now,
    });
  }

  /** Events fetched from the agent's ring (after a reconnect); duplicates are ignored. */
  addEvents(events: readonly Event[], now: number): void {
    const merged = this.mergeEvents(events, now, false);
    if (merged.events !== this.view.events) this.commit(merged);
  }

  private mergeEvents(
    incoming: readonly Event[],
    now: number,
    live = true,
  ): { events: readonly Event[]; reparented: ReadonlyMap<string, number> } {
    const fresh = incoming.filter((e) => !this.seen.has(eventId(e)));
    if (fresh.length === 0) return { events: this.view.events, reparented: this.view.reparented };
    for (const e of fresh) this.seen.add(eventId(e));
    const events = live ? this.appendEvents(fresh) : this.sortedEvents(fresh);
    for (const e of this.dropped) this.seen.delete(eventId(e));
    this.dropped.length = 0;
    let reparented = this.view.reparented;
    const moves = fresh.filter((e) => e.type === 'reparented');
    if (moves.length) {
      const next = new Map(reparented);
      // Backfilled events are stamped with the agent's time of the move: only recent ones mark.
      for (const e of moves) next.set(keyOf(e), live ? now : Math.min(now, e.at));
      reparented = next;
    }
    return { events, reparented };
  }

  /**
   * The events shown plus `fresh`, the oldest beyond MAX_EVENTS dropped (into `dropped`), written
   * into the array of the events before last: like the process list, a list of a thousand events
   * made and dropped with every patch was garbage the collector had to promote and compact.
   */
  private appendEvents(fresh: readonly Event[]): readonly Event[] {
    const shown = this.view.events;
    const out = this.spareEvents;
    const drop = Math.max(0, shown.length + fresh.length - MAX_EVENTS);
    let k = 0;
    for (let i = 0; i < shown.length; i++) {
      if (i < drop) this.dropped.push(shown[i] as Event);
      else out[k++] = shown[i] as Event;
    }
    for (let i = 0; i < fresh.length; i++) {
      if (shown.length + i < drop) this.dropped.push(fresh[i] as Event);
      else out[k++] = fresh[i] as Event;
    }
    out.length = k;
    this.spareEvents = shown as Event[];
    return out;
  }

  /** Backfilled events, merged by time: a new array (this happens once per reconnect). */
  private sortedEvents(fresh: readonly Event[]): readonly Event[] {
    const all = [...this.view.events, ...fresh].sort((a, b) => a.at - b.at || a.id - b.id);
    const drop = Math.max(0, all.length - MAX_EVENTS);
    this.dropped.push(...all.slice(0, drop));
    return all.slice(drop);
  }

  /**
   * The clock: one history sample a second even when nothing changes; expires marks. A snapshot
   * or patch moves the clock too, so the tick commits only when none did for CLOCK_MS: with 1 Hz
   * patches the page renders once a second, not twice.
   */
  tick(now: number): void {
    if (now - this.view.now < CLOCK_MS) return;
    const state = this.view.state;
    if (!state) {
      this.commit({ now });
      return;
    }
    this.record(state, now);
    this.commit({ reparented: this.expire(this.view.reparented, now), now });
  }

  private record(state: State, now: number): void {
    const h = this.view.history;
    h.push('host:tasks', now, state.host.tasks);
    h.push('host:zombies', now, state.host.zombies);
    for (const c of state.containers) {
      h.push(`ctr:${c.id}:pids`, now, c.pidsCurrent ?? 0);
      h.push(`ctr:${c.id}:forkFailures`, now, c.forkFailures);
    }
  }

  private expire(marks: ReadonlyMap<string, number>, now: number): ReadonlyMap<string, number> {
    for (const at of marks.values()) {
      if (now - at > REPARENT_MARK_MS) {
        return new Map([...marks].filter(([, t]) => now - t <= REPARENT_MARK_MS));
      }
    }
    return marks;
  }
}
