import { EVENT_TYPES, type Event, type EventType } from '@pidscope/protocol';

/**
 * Distinct parent commands the zombies-created counter keeps as label values for the agent's
 * lifetime; later ones are counted under OTHER_PARENT. Series stay bounded by containers × 21.
 */
export const MAX_PARENT_COMMS = 20;
export const OTHER_PARENT = 'other';
/** The parent of a zombie that could not be seen (outside the agent's view, or already gone). */
export const UNKNOWN_PARENT = 'unknown';

/** Zombies created, by container ('' for the host) and parent command. */
export interface ZombiesCreated {
  containerId: string;
  parentComm: string;
  count: number;
}

/**
 * Counters that only events can feed: events by type and zombies created. It is fed from the
 * model's published updates, so it counts what the dashboard shows, once per event.
 */
export class EventTally {
  readonly #byType = new Map<EventType, number>(EVENT_TYPES.map((t) => [t, 0]));
  readonly #zombies = new Map<string, Map<string, number>>();
  readonly #parentComms = new Set<string>();

  /** Counts one update's events; a zombie-appeared names the parent it is blamed on. */
  observe(events: readonly Event[]): void {
    for (const e of events) {
      this.#byType.set(e.type, (this.#byType.get(e.type) ?? 0) + 1);
      if (e.type === 'zombie-appeared') {
        const key = e.containerId ?? '';
        const comm = this.#bounded(e.parentComm ?? UNKNOWN_PARENT);
        let byComm = this.#zombies.get(key);
        if (!byComm) {
          byComm = new Map();
          this.#zombies.set(key, byComm);
        }
        byComm.set(comm, (byComm.get(comm) ?? 0) + 1);
      } else if (e.type === 'container-stopped' && e.containerId) {
        // Its series go with it, as cAdvisor's do.
        this.#zombies.delete(e.containerId);
      }
    }
  }

  eventsByType(): ReadonlyMap<EventType, number> {
    return this.#byType;
  }

  zombiesCreated(): ZombiesCreated[] {
    return [...this.#zombies].flatMap(([containerId, byComm]) =>
      [...byComm].map(([parentComm, count]) => ({ containerId, parentComm, count })),
    );
  }

  #bounded(comm: string): string {
    if (this.#parentComms.has(comm)) return comm;
    if (this.#parentComms.size >= MAX_PARENT_COMMS) return OTHER_PARENT;
    this.#parentComms.add(comm);
    return comm;
  }
}
