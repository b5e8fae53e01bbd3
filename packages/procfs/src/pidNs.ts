import { parseError } from './errors.js';
import { readLink } from './readFile.js';

/**
 * Parses the target of /proc/<pid>/ns/pid, `pid:[4026531836]`, into the namespace inode.
 * The link stays readable on zombies, which makes it the fallback for container attribution.
 */
export function parsePidNs(link: string, file = 'ns/pid'): number {
  const m = /^pid:\[(\d+)\]$/.exec(link);
  if (!m) throw parseError(file, 'expected "pid:[<inode>]"', link);
  return Number(m[1]);
}

/** Reads /proc/<pid>/ns/pid under `root`; null when the process has vanished. */
export function readPidNs(pid: number, root = '/proc'): number | null {
  const file = `${root}/${pid}/ns/pid`;
  const link = readLink(file);
  return link === null ? null : parsePidNs(link, file);
}
