/**
 * Lists written in turns into two arrays, each into the one shown before last: the list shown
 * and the one before it (which React may still be leaving) stay whole; anything older must not be
 * read. Only arrays handed out here are reused, never one that came with a snapshot ([A10]): a list
 * of 5,000 processes and one of 1,000 events made and dropped every second were the largest things
 * the page promoted to the old generation, which the collector must later compact.
 */
export class Turns<T> {
  private spare: T[] = [];
  private readonly ours = new WeakSet<readonly T[]>();

  /** The array to write the next list into. */
  target(): T[] {
    return this.spare;
  }

  /** `next`, written into target(), now replaces `shown`, which is the next target if ours. */
  swap(shown: readonly T[], next: readonly T[]): void {
    this.ours.add(next);
    this.spare = shown !== next && this.ours.has(shown) ? (shown as T[]) : [];
  }
}
