// [S7] When a process's CPU figure is news: the agent sends a new `cpu` only on a meaningful step,
// so CPU jitter does not make every busy process news every second, and an idle host stays quiet.

/** A change smaller than this many percentage points is not news… */
export const CPU_STEP = 5;
/** …nor one smaller than this share of the value sent. */
export const CPU_FRACTION = 0.2;

/**
 * [S7] Whether `now` (percent of one CPU over the last interval) replaces `sent`: it differs by at
 * least max(CPU_STEP, CPU_FRACTION × sent), or it is 0 and `sent` is not (a process that went idle
 * reads 0, and an idle one never changes).
 */
export function cpuNews(sent: number, now: number): boolean {
  if (now === sent) return false;
  if (now === 0) return true;
  return Math.abs(now - sent) >= Math.max(CPU_STEP, CPU_FRACTION * sent);
}
