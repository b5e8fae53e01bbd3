import { parseError } from './errors.js';
import { readText } from './readFile.js';

/*
 * The pids controller's files (Documentation/admin-guide/cgroup-v1/pids.rst, cgroup-v2.rst).
 * They count tasks (threads), not processes. Reads return null when a file is absent: the root
 * cgroup has none, pids.peak is new (Linux 6.1+), and a cgroup can be removed at any moment.
 */

/** pids.max: a number, or null for `max` (unlimited). */
export function parsePidsMax(text: string, file = 'pids.max'): number | null {
  const t = text.trim();
  if (t === 'max') return null;
  if (!/^\d+$/.test(t)) throw parseError(file, 'expected "max" or an integer', text);
  return Number(t);
}

/** pids.current (may exceed pids.max: a limit lowered below usage, or tasks migrated in). */
export function parsePidsCurrent(text: string, file = 'pids.current'): number {
  return integer(text, file);
}

/** pids.peak: the high-water mark of pids.current. */
export function parsePidsPeak(text: string, file = 'pids.peak'): number {
  return integer(text, file);
}

/** pids.events as a map of event name to count; `max` counts forks refused by the limit. */
export function parsePidsEvents(text: string, file = 'pids.events'): Record<string, number> {
  const events: Record<string, number> = Object.create(null);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^(\S+) (\d+)$/.exec(line);
    if (!m) throw parseError(file, 'expected "<event> <count>" lines', text);
    events[m[1] as string] = Number(m[2]);
  }
  return events;
}

function integer(text: string, file: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw parseError(file, 'expected an integer', text);
  return Number(t);
}

/** pids.max in `dir`: a number, null for `max`, undefined when absent (a root cgroup). */
export function readPidsMax(dir: string): number | null | undefined {
  const file = `${dir}/pids.max`;
  const text = readText(file);
  return text === null ? undefined : parsePidsMax(text, file);
}

/** The raw pids files of one cgroup directory; each null when absent. */
export interface PidsFiles {
  max: number | null | undefined;
  current: number | null;
  peak: number | null;
  events: Record<string, number> | null;
}

/**
 * Reads pids.{max,current,peak,events} in `dir`. `max` is undefined when pids.max is absent
 * (root cgroup), null when it reads `max`.
 */
export function readPidsFiles(dir: string): PidsFiles {
  const read = <T>(name: string, parse: (text: string, file: string) => T): T | null => {
    const file = `${dir}/${name}`;
    const text = readText(file);
    return text === null ? null : parse(text, file);
  };
  return {
    max: readPidsMax(dir),
    current: read('pids.current', parsePidsCurrent),
    peak: read('pids.peak', parsePidsPeak),
    events: read('pids.events', parsePidsEvents),
  };
}
