import { parseError } from './errors.js';
import { mustRead } from './loadavg.js';

function parseSingleInteger(text: string, file: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw parseError(file, 'expected one integer', text);
  return Number(trimmed);
}

/**
 * Parses /proc/sys/kernel/pid_max. On new kernels it is per PID namespace (a container read
 * 4194304 where the host had 32768): read it from the host's namespace.
 */
export function parsePidMax(text: string, file = 'sys/kernel/pid_max'): number {
  return parseSingleInteger(text, file);
}

/** Reads `<root>/sys/kernel/pid_max`. */
export function readPidMax(root = '/proc'): number {
  const file = `${root}/sys/kernel/pid_max`;
  return parsePidMax(mustRead(file), file);
}

/** Parses /proc/sys/kernel/threads-max: the system-wide limit on tasks (threads). */
export function parseThreadsMax(text: string, file = 'sys/kernel/threads-max'): number {
  return parseSingleInteger(text, file);
}

/** Reads `<root>/sys/kernel/threads-max`. */
export function readThreadsMax(root = '/proc'): number {
  const file = `${root}/sys/kernel/threads-max`;
  return parseThreadsMax(mustRead(file), file);
}
