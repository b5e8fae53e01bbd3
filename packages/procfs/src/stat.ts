import { parseError } from './errors.js';
import { mustRead } from './loadavg.js';

/** What pidscope reads of /proc/stat (proc(5), fs/proc/stat.c). */
export interface Stat {
  /** Forks since boot (`processes`): node_exporter's node_forks_total. */
  processes: number;
}

/** Parses /proc/stat; only the `processes` line is read, the per-CPU and interrupt lines are skipped. */
export function parseStat(text: string, file = 'stat'): Stat {
  const m = /(?:^|\n)processes (\d+)\n/.exec(text);
  if (!m) throw parseError(file, 'no "processes <forks>" line', text);
  return { processes: Number(m[1]) };
}

/** Reads `<root>/stat`. */
export function readStat(root = '/proc'): Stat {
  const file = `${root}/stat`;
  return parseStat(mustRead(file), file);
}
