// [S9] Which containers share a PID namespace, and which run in the host's.
import type { Namespaces } from './schemas.js';

/** Namespaces nobody could read (or nobody recorded): every inode null. Copy it to change it. */
export const NO_NAMESPACES: Readonly<Namespaces> = Object.freeze({
  net: null,
  mnt: null,
  ipc: null,
  uts: null,
  user: null,
  cgroup: null,
});

export interface PidNamespaceSharing {
  /** The other containers in the same PID namespace, by id, sorted. */
  sharesPidNamespaceWith: string[];
  /** In the host's PID namespace (`--pid host`). */
  hostPidNamespace: boolean;
}

/**
 * [S9] For each container (by id), the others in its PID namespace, and whether that namespace is
 * the host's. A container in the host's namespace lists no other: the host's namespace is no
 * container's, and every `--pid host` container shares it with every process on the host.
 */
export function sharedPidNamespaces(
  containers: readonly { id: string; pidNamespace: number | null }[],
  hostPidNamespace: number | null,
): Map<string, PidNamespaceSharing> {
  const byNs = new Map<number, string[]>();
  for (const c of containers) {
    if (c.pidNamespace === null || c.pidNamespace === hostPidNamespace) continue;
    const ids = byNs.get(c.pidNamespace);
    if (ids) ids.push(c.id);
    else byNs.set(c.pidNamespace, [c.id]);
  }
  const out = new Map<string, PidNamespaceSharing>();
  for (const c of containers) {
    const host = c.pidNamespace !== null && c.pidNamespace === hostPidNamespace;
    const group = c.pidNamespace === null || host ? [] : (byNs.get(c.pidNamespace) ?? []);
    out.set(c.id, {
      sharesPidNamespaceWith: group.filter((id) => id !== c.id).sort(),
      hostPidNamespace: host,
    });
  }
  return out;
}
