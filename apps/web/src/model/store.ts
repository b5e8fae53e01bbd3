import type { Event, Hello, State } from '@pidscope/protocol';
import { History } from './headroom.js';
import { keyOf } from './keys.js';
import { Turns } from './turns.js';

/** How long a reparented process keeps its marked edge. */
export const REPARENT_MARK_MS = 30_000;
/** The clock's resolution: ages and "updated … ago" move by seconds. */
export const CLOCK_MS = 1000;
/**
 * After a snapshot or patch, the clock waits this much longer than CLOCK_MS: at a 1 s interval
 * the next patch is due just then, and a clock render a few milliseconds before it rendered the
 * page twice back to back.
 */
export const PATCH_GRACE_MS = 500;
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

/**
 * The client's live model: the agent's state as the connection holds it (the stream's rules and
 * the patches are the connection's), plus what the UI keeps over time.
 */
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
  /** The event list is written into the array of the view before last (see Turns). */
  private readonly eventLists = new Turns<Event>();
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

  /** The state of a snapshot. */
  showSnapshot(state: State, now: number): void {
    this.record(state, now);
    this.commit({
      state,
      reparented: this.expire(this.view.reparented, now),
      now,
      updatedAt: now,
    });
  }

  /** The state after a patch, and the patch's events. */
  showPatch(state: State, events: readonly Event[], now: number): void {
    const merged = this.mergeEvents(events, now);
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
   * The events shown plus `fresh`, written into the event list before last; the oldest beyond
   * MAX_EVENTS are dropped and forgotten.
   */
  private appendEvents(fresh: readonly Event[]): readonly Event[] {
    const shown = this.view.events;
    const out = this.eventLists.target();
    const drop = Math.max(0, shown.length + fresh.length - MAX_EVENTS);
    let i = 0;
    let k = 0;
    for (const list of [shown, fresh]) {
      for (const e of list) {
        if (i++ < drop) this.seen.delete(eventId(e));
        else out[k++] = e;
      }
    }
    out.length = k;
    this.eventLists.swap(shown, out);
    return out;
  }

  /** Backfilled events, merged by time: a new array (this happens once per reconnect). */
  private sortedEvents(fresh: readonly Event[]): readonly Event[] {
    const all = [...this.view.events, ...fresh].sort((a, b) => a.at - b.at || a.id - b.id);
    const drop = Math.max(0, all.length - MAX_EVENTS);
    for (const e of all.slice(0, drop)) this.seen.delete(eventId(e));
    return all.slice(drop);
  }

  /**
   * The clock: one history sample a second even when nothing changes; expires marks. A snapshot
   * or patch moves the clock too, so the tick commits only when none did for CLOCK_MS plus
   * PATCH_GRACE_MS (CLOCK_MS once the clock has taken over): with 1 Hz patches the page renders
   * once a second, not twice.
   */
  tick(now: number): void {
    const fromData = this.view.updatedAt === this.view.now;
    if (now - this.view.now < CLOCK_MS + (fromData ? PATCH_GRACE_MS : 0)) return;
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
