/**
 * Clock ticks per second of the utime and stime fields of /proc/<pid>/stat: USER_HZ, which the
 * kernel fixes at 100 for userspace on every architecture Linux runs Docker on (sysconf(_SC_CLK_TCK);
 * Documentation/filesystems/proc.rst).
 */
export const USER_HZ = 100;

/** The CPU time of a process at one moment: utime + stime ticks, read at `at` (performance.now()). */
export interface CpuReading {
  startTime: number;
  ticks: number;
  at: number;
}

/**
 * Percent of one CPU used between two readings of the same process: ticks spent over the time
 * between the reads, rounded (a process busy on two CPUs reads 200). 0 when no time passed.
 */
export function cpuPercent(
  before: Pick<CpuReading, 'ticks' | 'at'>,
  now: Pick<CpuReading, 'ticks' | 'at'>,
): number {
  const ms = now.at - before.at;
  const ticks = now.ticks - before.ticks;
  if (ms <= 0 || ticks <= 0) return 0;
  return Math.round((ticks * 100_000) / (USER_HZ * ms));
}
