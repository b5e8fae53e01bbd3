import { existsSync } from 'node:fs';
import { type MountInfo, parseMountinfo, readMountinfo } from './mountinfo.js';
import { readPidsFiles, readPidsMax } from './pidsCgroupFiles.js';
import type { ProcessRecord } from './processRecord.js';

/** The pids controller's view of one cgroup. Counts are tasks (threads), not processes. */
export interface PidsCgroup {
  /** Cgroup path inside its hierarchy, e.g. `/docker/<id>`. */
  path: string;
  /** Directory holding the pids.* files. */
  dir: string;
  /** 1 = v1 `pids` hierarchy, 2 = unified hierarchy. */
  version: 1 | 2;
  current: number | null;
  /** This cgroup's own pids.max; null = unlimited. */
  max: number | null;
  /** The smallest pids.max over this cgroup and its ancestors; null = unlimited. */
  effectiveMax: number | null;
  /** Forks refused by the limit (pids.events `max`). */
  forkFailures: number;
  /** pids.peak; null on kernels without it. */
  peak: number | null;
}

export interface CgroupReaderOptions {
  /** Procfs whose `self/mountinfo` locates the cgroup mounts. Default `/proc`. */
  procRoot?: string;
  /**
   * Where the host's cgroup tree is mounted for this reader. Default `/sys/fs/cgroup`. An agent
   * in a container with the host's tree at `/host/sys/fs/cgroup` passes that: mounts found
   * under `/sys/fs/cgroup` in mountinfo are moved there.
   */
  cgroupRoot?: string;
  /** mountinfo text to use instead of reading `<procRoot>/self/mountinfo` (tests, fixtures). */
  mountinfo?: string;
}

interface Hierarchy {
  version: 1 | 2;
  /** Directory where the hierarchy's `root` is mounted. */
  dir: string;
  /** The cgroup path that is mounted at `dir` (`/` unless inside a cgroup namespace). */
  root: string;
}

const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

/** Locates the pids hierarchies (v1 `pids` controller, v2 unified) among `mounts`. */
export function findPidsHierarchies(
  mounts: readonly MountInfo[],
  cgroupRoot = DEFAULT_CGROUP_ROOT,
): { v1: Hierarchy | null; v2: Hierarchy | null } {
  const place = (mountPoint: string): string => {
    if (cgroupRoot === DEFAULT_CGROUP_ROOT || isUnder(mountPoint, cgroupRoot)) return mountPoint;
    return isUnder(mountPoint, DEFAULT_CGROUP_ROOT)
      ? cgroupRoot + mountPoint.slice(DEFAULT_CGROUP_ROOT.length)
      : mountPoint;
  };
  // Prefer mounts under the configured root: a container may also see its own cgroup mounts.
  const ranked = [...mounts].sort(
    (a, b) =>
      Number(isUnder(place(b.mountPoint), cgroupRoot)) -
      Number(isUnder(place(a.mountPoint), cgroupRoot)),
  );
  const v1 = ranked.find((m) => m.fsType === 'cgroup' && m.superOptions.includes('pids'));
  const v2 = ranked.find((m) => m.fsType === 'cgroup2');
  return {
    v1: v1 ? { version: 1, dir: place(v1.mountPoint), root: v1.root } : null,
    v2: v2 ? { version: 2, dir: place(v2.mountPoint), root: v2.root } : null,
  };
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * Reads the pids cgroup of processes: the v1 `pids` hierarchy when mounted (this is where Docker
 * on a hybrid host puts limits), else the unified hierarchy when its root enables pids.
 */
export class CgroupReader {
  readonly #procRoot: string;
  readonly #cgroupRoot: string;
  readonly #mountinfo: string | undefined;
  #hierarchies: { v1: Hierarchy | null; v2: Hierarchy | null } | undefined;

  constructor(opts: CgroupReaderOptions = {}) {
    this.#procRoot = opts.procRoot ?? '/proc';
    this.#cgroupRoot = opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
    this.#mountinfo = opts.mountinfo;
  }

  /** The hierarchies found through mountinfo (or by probing `cgroupRoot` when it lists none). */
  hierarchies(): { v1: Hierarchy | null; v2: Hierarchy | null } {
    if (this.#hierarchies === undefined) {
      const mounts =
        this.#mountinfo === undefined
          ? readMountinfo(this.#procRoot)
          : parseMountinfo(this.#mountinfo);
      const found = findPidsHierarchies(mounts, this.#cgroupRoot);
      if (!found.v1 && !found.v2) {
        // mountinfo of a container that only bind-mounted a directory of the host's tree.
        if (existsSync(`${this.#cgroupRoot}/pids`)) {
          found.v1 = { version: 1, dir: `${this.#cgroupRoot}/pids`, root: '/' };
        } else if (existsSync(`${this.#cgroupRoot}/cgroup.controllers`)) {
          found.v2 = { version: 2, dir: this.#cgroupRoot, root: '/' };
        }
      }
      this.#hierarchies = found;
    }
    return this.#hierarchies;
  }

  /**
   * The pids cgroup of process `p`, or null when it sits in a root cgroup (no pids files) or no
   * pids controller is mounted. A zombie's v1 path reads `/`; its `0::` path is tried in the v1
   * hierarchy instead (Docker uses the same path in both).
   */
  readPids(p: ProcessRecord): PidsCgroup | null {
    const { v1, v2 } = this.hierarchies();
    if (v1) {
      const paths = [p.pidsCgroup];
      if (p.state === 'Z' && (p.pidsCgroup ?? '/') === '/') paths.push(p.unifiedCgroup);
      for (const path of paths) {
        if (path && path !== '/') {
          const found = this.#read(v1, path);
          if (found) return found;
        }
      }
    }
    if (v2 && p.unifiedCgroup && p.unifiedCgroup !== '/') return this.#read(v2, p.unifiedCgroup);
    return null;
  }

  /** The pids cgroup at `path` in the v1 pids hierarchy, else the unified one; null if neither. */
  readPidsAt(path: string): PidsCgroup | null {
    const { v1, v2 } = this.hierarchies();
    return (v1 && this.#read(v1, path)) || (v2 && this.#read(v2, path)) || null;
  }

  #read(h: Hierarchy, path: string): PidsCgroup | null {
    const dir = this.#dirOf(h, path);
    if (dir === null) return null;
    const own = readPidsFiles(dir);
    if (own.max === undefined && own.current === null) return null;
    let effectiveMax = own.max ?? null;
    // Walk up to the mount's root; a limit anywhere above caps this cgroup too.
    let parent = parentPath(path);
    while (parent !== null) {
      const parentDir = this.#dirOf(h, parent);
      if (parentDir === null) break;
      const max = readPidsMax(parentDir);
      if (typeof max === 'number' && (effectiveMax === null || max < effectiveMax)) {
        effectiveMax = max;
      }
      parent = parentPath(parent);
    }
    return {
      path,
      dir,
      version: h.version,
      current: own.current,
      max: own.max ?? null,
      effectiveMax,
      forkFailures: own.events?.max ?? 0,
      peak: own.peak,
    };
  }

  /** Maps a cgroup path to its directory, or null when it lies outside the mounted subtree. */
  #dirOf(h: Hierarchy, path: string): string | null {
    if (!isUnder(path, h.root)) return null;
    const rel = h.root === '/' ? path : path.slice(h.root.length);
    return rel === '/' || rel === '' ? h.dir : `${h.dir}${rel}`;
  }
}

function parentPath(path: string): string | null {
  if (path === '/' || path === '') return null;
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}
