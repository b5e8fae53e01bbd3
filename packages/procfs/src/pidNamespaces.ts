import { isRestricted, parseError } from './errors.js';
import { readLink } from './readFile.js';

/** The namespaces of a process, by kind: the inode each /proc/<pid>/ns/<kind> link names. */
export interface PidNamespaces {
  pid: number | null;
  net: number | null;
  mnt: number | null;
  ipc: number | null;
  uts: number | null;
  user: number | null;
  cgroup: number | null;
}

export const NAMESPACE_LINKS = ['pid', 'net', 'mnt', 'ipc', 'uts', 'user', 'cgroup'] as const;

/** Parses the target of /proc/<pid>/ns/<kind>, `net:[4026531840]`, into the inode. */
export function parseNsLink(link: string, kind: string, file = `ns/${kind}`): number {
  const m = /^([a-z_]+):\[(\d+)\]$/.exec(link);
  if (!m || m[1] !== kind) throw parseError(file, `expected "${kind}:[<inode>]"`, link);
  return Number(m[2]);
}

/**
 * Reads every /proc/<pid>/ns/<kind> link under `root` (man 7 namespaces); null when the process
 * is gone. A link that cannot be read (a zombie's net, mnt, uts and cgroup links are gone; some
 * need more than root) is null on its own.
 */
export function readPidNamespaces(pid: number, root = '/proc'): PidNamespaces | null {
  const out: PidNamespaces = {
    pid: null,
    net: null,
    mnt: null,
    ipc: null,
    uts: null,
    user: null,
    cgroup: null,
  };
  let any = false;
  for (const kind of NAMESPACE_LINKS) {
    const file = `${root}/${pid}/ns/${kind}`;
    try {
      const link = readLink(file);
      if (link === null) continue;
      out[kind] = parseNsLink(link, kind, file);
      any = true;
    } catch (err) {
      if (!isRestricted(err)) throw err;
    }
  }
  return any ? out : null;
}
