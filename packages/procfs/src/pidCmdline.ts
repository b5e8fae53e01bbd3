import { readText } from './readFile.js';

/**
 * Parses /proc/<pid>/cmdline: arguments separated (and normally terminated) by NUL. Empty for
 * zombies and kernel threads. A process that rewrote its argv (setproctitle) may show one
 * space-separated string with no NUL; it is kept as one argument.
 */
export function parsePidCmdline(text: string): string[] {
  if (text.length === 0) return [];
  const end = text.endsWith('\0') ? text.length - 1 : text.length;
  return text.slice(0, end).split('\0');
}

/** Reads /proc/<pid>/cmdline under `root`; null when the process has vanished. */
export function readPidCmdline(pid: number, root = '/proc'): string[] | null {
  const text = readText(`${root}/${pid}/cmdline`);
  return text === null ? null : parsePidCmdline(text);
}
