import { type CpuReading, cpuPercent, type TaskRecord } from '@pidscope/procfs';

/** A thread's last reading is forgotten once nobody asked about it for this long. */
const FORGET_AFTER_MS = 60_000;

/**
 * CPU per thread, asked for rather than streamed ([S8]): the last reading of each thread (by TID
 * and start time) is kept, and a new one is timed against it. Pure: readings come in with the
 * time they were taken.
 */
export class ThreadCpu {
  readonly #readings = new Map<string, CpuReading>();

  /** Whether every one of `tasks` has a reading to be timed against. */
  knows(tasks: readonly TaskRecord[]): boolean {
    return tasks.every((t) => this.#readings.has(key(t)));
  }

  /** Records `tasks` read at `at` (ms) and returns each one's percent of one CPU since its last reading (0 for a first). */
  take(tasks: readonly TaskRecord[], at: number): Map<number, number> {
    const out = new Map<number, number>();
    for (const t of tasks) {
      const now = { startTime: t.startTime, ticks: t.cpuTicks, at };
      const before = this.#readings.get(key(t));
      out.set(t.tid, before ? cpuPercent(before, now) : 0);
      this.#readings.set(key(t), now);
    }
    for (const [k, r] of this.#readings) if (at - r.at > FORGET_AFTER_MS) this.#readings.delete(k);
    return out;
  }
}

function key(t: TaskRecord): string {
  return `${t.tid}:${t.startTime}`;
}
