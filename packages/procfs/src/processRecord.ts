/** Container runtimes recognised from a process's cgroup path. */
export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman';

/**
 * One process (thread-group leader) as the kernel shows it in /proc.
 * Identity everywhere is `pid` + `startTime`: PIDs are reused, start times tell them apart.
 */
export interface ProcessRecord {
  /** Host PID (first NSpid value, as seen from the namespace of the mounted /proc). */
  pid: number;
  /** Parent PID in the same view; 0 for PID 1, kthreadd, and parents outside the reader's namespace. */
  ppid: number;
  /** One-letter state from /proc/<pid>/stat: R S D T t Z X I P. */
  state: string;
  /**
   * Command name (up to 15 bytes; may hold spaces, parentheses, newlines). A kernel worker's
   * without its current workqueue (`kworker/1:0`; see kernelWorkerName).
   */
  comm: string;
  /** argv; empty for zombies and kernel threads. */
  cmdline: string[];
  /** Start time in clock ticks since boot (stat field 22). */
  startTime: number;
  threads: number;
  /** Real UID. */
  uid: number;
  kernelThread: boolean;
  /** NSpid chain, outermost (host) first, innermost (in-container) last. */
  nsPids: number[];
  /** PID namespace inode, or null when unreadable. */
  pidNs: number | null;
  /** Full 64-hex container id, or null for host processes. */
  containerId: string | null;
  runtime: ContainerRuntime | null;
  /** Resident set size in bytes. */
  rssBytes: number;
  /**
   * Percent of one CPU used between the scanner's last two reads of it (0 on its first, and from
   * `readProcess`); the scanner may keep the value it had while the change is no news.
   */
  cpu: number;
  /**
   * Path in the cgroup v1 `pids` hierarchy (`/docker/<id>`), null without one. Reads `/` on a
   * zombie. Set by every reader in this package; optional so other code can build records.
   */
  pidsCgroup?: string | null;
  /** Path in the cgroup v2 hierarchy (the `0::` line), null without one. Kept on zombies. */
  unifiedCgroup?: string | null;
}
