import { parseError } from './errors.js';
import { mustRead } from './loadavg.js';

/** What pidscope reads of /proc/stat (proc(5), fs/proc/stat.c). */
export interface Stat {
  /** Forks since boot (`processes`): node_exporter's node_forks_total. */
  processes: number;
  /**
   * CPU time all CPUs spent running tasks since boot, in USER_HZ ticks: user, nice, system, irq
   * and softirq of the `cpu` line. A task's utime + stime in /proc/<pid>/stat counts the same
   * time (guest time is in user on both sides; the irq ticks a task was charged are in its stime).
   */
  busyTicks: number;
}

/** The columns of the `cpu` line summed in busyTicks: user nice system (idle iowait) irq softirq. */
const BUSY_COLUMNS = [0, 1, 2, 5, 6];

/**
 * Parses /proc/stat: the all-CPU `cpu` line (the first) and the `processes` line; the per-CPU and
 * interrupt lines are skipped.
 */
export function parseStat(text: string, file = 'stat'): Stat {
  const m = /(?:^|\n)processes (\d+)\n/.exec(text);
  if (!m) throw parseError(file, 'no "processes <forks>" line', text);
  const cpu = /^cpu +(\d+(?: \d+){6,})/.exec(text);
  if (!cpu) throw parseError(file, 'no "cpu" line of 7 or more counters first', text);
  const columns = (cpu[1] as string).split(' ');
  let busyTicks = 0;
  for (const i of BUSY_COLUMNS) busyTicks += Number(columns[i]);
  return { processes: Number(m[1]), busyTicks };
}

/** Reads `<root>/stat`. */
export function readStat(root = '/proc'): Stat {
  const file = `${root}/stat`;
  return parseStat(mustRead(file), file);
}
