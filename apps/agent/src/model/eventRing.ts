import type { Event } from '@pidscope/protocol';

/** The most recent events, oldest dropped first. */
export class EventRing {
  readonly #items: Event[] = [];
  constructor(readonly capacity: number) {}

  push(events: readonly Event[]): void {
    this.#items.push(...events);
    const over = this.#items.length - this.capacity;
    if (over > 0) this.#items.splice(0, over);
  }

  /** Events with `at >= since` (ms since epoch), oldest first. */
  since(since: number): Event[] {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#items[mid] as Event).at < since) lo = mid + 1;
      else hi = mid;
    }
    return this.#items.slice(lo);
  }

  get size(): number {
    return this.#items.length;
  }
}
