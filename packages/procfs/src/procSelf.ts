import { parseError } from './errors.js';
import { readLink } from './readFile.js';

/**
 * Parses the target of /proc/self, the reader's PID as the procfs sees it: `4425`.
 */
export function parseProcSelf(link: string, file = 'self'): number {
  if (!/^[1-9][0-9]*$/.test(link)) throw parseError(file, 'expected a PID', link);
  return Number(link);
}

/**
 * Reads `<root>/self`: the calling process's PID in the PID namespace of the procfs mounted at
 * `root`. An agent in a container that reads the host's /proc so finds its host PID. null when
 * the link does not resolve (a procfs of a namespace the caller is not in).
 */
export function readProcSelf(root = '/proc'): number | null {
  const file = `${root}/self`;
  const link = readLink(file);
  return link === null ? null : parseProcSelf(link, file);
}
