import { parseError } from './errors.js';
import { readText } from './readFile.js';

/** /proc/loadavg (proc(5)). */
export interface Loadavg {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable tasks (threads) right now. */
  running: number;
  /** All tasks (threads) on the system, kernel threads and zombies included. */
  total: number;
  /** Last PID allocated, in the reader's PID namespace. */
  lastPid: number;
}

/** Parses `0.84 0.56 0.30 1/123 10550`. */
export function parseLoadavg(text: string, file = 'loadavg'): Loadavg {
  const m = /^(\d+\.\d+) (\d+\.\d+) (\d+\.\d+) (\d+)\/(\d+) (\d+)\s*$/.exec(text);
  if (!m) throw parseError(file, 'expected "<l1> <l5> <l15> <running>/<total> <lastpid>"', text);
  return {
    load1: Number(m[1]),
    load5: Number(m[2]),
    load15: Number(m[3]),
    running: Number(m[4]),
    total: Number(m[5]),
    lastPid: Number(m[6]),
  };
}

/** Reads `<root>/loadavg`. */
export function readLoadavg(root = '/proc'): Loadavg {
  const file = `${root}/loadavg`;
  return parseLoadavg(mustRead(file), file);
}

/** Reads a system-wide proc file, which cannot vanish: absence is an I/O error. */
export function mustRead(file: string): string {
  const text = readText(file);
  if (text === null) throw parseError(file, 'file is missing', '');
  return text;
}
