import {
  compareFleetContainers,
  compareFleetEvents,
  compareFleetZombies,
  type FleetContainer,
  type FleetEvent,
  type FleetSource,
  type FleetZombie,
  hostContainers,
  hostZombies,
} from '@pidscope/protocol';
import type { AgentTarget } from '../discovery/sources.js';
import { Upstream, type UpstreamOptions } from './upstream.js';

export interface FleetOptions {
  token: string | null;
  ca: string | null;
  /** [F2] An agent gone from discovery is dropped this long after it was last found. */
  graceMs: number;
  now?: () => number;
  /** Passed to every upstream (timings in tests). */
  upstream?: Partial<UpstreamOptions>;
  onChange?: (upstream: Upstream) => void;
  onRemove?: (id: string) => void;
}

interface Entry {
  upstream: Upstream;
  lastFoundAt: number;
}

/** A fleet answer: the entries of the hosts that are up, and the ids of those that are not. */
export interface FleetAnswer<T> {
  items: T[];
  unavailable: string[];
}

/** Every agent discovery found, one Upstream each, and the fleet-wide views over them. */
export class Fleet {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: FleetOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /**
   * Takes a discovery round: connects to new agents, and drops those not found for longer than
   * the grace period (a host that flaps in DNS keeps its stream meanwhile).
   */
  update(targets: readonly AgentTarget[]): void {
    const now = this.now();
    for (const target of targets) {
      const entry = this.entries.get(target.id);
      if (entry) {
        entry.lastFoundAt = now;
        continue;
      }
      const upstream = new Upstream({
        ...this.opts.upstream,
        target,
        token: this.opts.token,
        ca: this.opts.ca,
        now: this.opts.now ?? Date.now,
        onChange: (u) => this.opts.onChange?.(u),
      });
      this.entries.set(target.id, { upstream, lastFoundAt: now });
      upstream.start();
      this.opts.onChange?.(upstream);
    }
    const found = new Set(targets.map((t) => t.id));
    for (const [id, entry] of this.entries) {
      if (found.has(id) || now - entry.lastFoundAt < this.opts.graceMs) continue;
      this.entries.delete(id);
      entry.upstream.close();
      this.opts.onRemove?.(id);
    }
  }

  get(id: string): Upstream | undefined {
    return this.entries.get(id)?.upstream;
  }

  /** Every host, by id. */
  list(): Upstream[] {
    return [...this.entries.values()]
      .map((e) => e.upstream)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private collect<T>(pick: (source: FleetSource) => T[]): FleetAnswer<T> {
    const items: T[] = [];
    const unavailable: string[] = [];
    for (const u of this.list()) {
      const state = u.current();
      if (u.isUp && state) items.push(...pick({ id: u.id, hostname: u.info().hostname, state }));
      else unavailable.push(u.id);
    }
    return { items, unavailable };
  }

  /** [F6] */
  zombies(): FleetAnswer<FleetZombie> {
    const now = this.now();
    const answer = this.collect((source) => hostZombies(source, now));
    answer.items.sort(compareFleetZombies);
    return answer;
  }

  /** [F7] */
  containers(): FleetAnswer<FleetContainer> {
    const answer = this.collect(hostContainers);
    answer.items.sort(compareFleetContainers);
    return answer;
  }

  /** [F8] Events of hosts that are down are still listed: they happened. */
  events(since: number): FleetAnswer<FleetEvent> {
    const items: FleetEvent[] = [];
    const unavailable: string[] = [];
    for (const u of this.list()) {
      if (!u.isUp) unavailable.push(u.id);
      for (const event of u.eventsSince(since)) items.push({ host: u.id, event });
    }
    items.sort(compareFleetEvents);
    return { items, unavailable };
  }

  /** Heartbeats and catch-ups of every host's browser streams. */
  tick(): void {
    for (const e of this.entries.values()) e.upstream.tick();
  }

  close(): void {
    for (const e of this.entries.values()) e.upstream.close();
    this.entries.clear();
  }
}
