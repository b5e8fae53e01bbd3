import { parseError } from './errors.js';
import { readText } from './readFile.js';

/** One line of /proc/<pid>/cgroup: `hierarchy-ID:controller-list:cgroup-path` (cgroups(7)). */
export interface CgroupLine {
  /** 0 for the cgroup v2 (unified) hierarchy. */
  hierarchyId: number;
  /** v1 controllers (`pids`, `cpu,cpuacct`, `name=systemd`); empty for v2. */
  controllers: string[];
  /** Path relative to the hierarchy's root, e.g. `/docker/<id>`. May itself contain `:`. */
  path: string;
}

const DELETED = ' (deleted)';

/** Parses /proc/<pid>/cgroup. The path is everything after the second `:`. */
export function parsePidCgroup(text: string, file = 'cgroup'): CgroupLine[] {
  const lines: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    const id = Number(line.slice(0, a));
    if (a <= 0 || b < 0 || !Number.isInteger(id) || line.charAt(b + 1) !== '/') {
      throw parseError(file, 'expected "<id>:<controllers>:/<path>" lines', text);
    }
    const controllers = line.slice(a + 1, b);
    lines.push({
      hierarchyId: id,
      controllers: controllers === '' ? [] : controllers.split(','),
      path: line.slice(b + 1),
    });
  }
  return lines;
}

/** Reads /proc/<pid>/cgroup under `root`; null when the process has vanished. */
export function readPidCgroup(pid: number, root = '/proc'): CgroupLine[] | null {
  const file = `${root}/${pid}/cgroup`;
  const text = readText(file);
  return text === null ? null : parsePidCgroup(text, file);
}

/** The path in the v1 hierarchy that carries `controller` (e.g. `pids`), or null. */
export function cgroupPathFor(lines: readonly CgroupLine[], controller: string): string | null {
  for (const line of lines) {
    if (line.hierarchyId !== 0 && line.controllers.includes(controller)) return line.path;
  }
  return null;
}

/**
 * The cgroup v2 path (`0::` line), without the ` (deleted)` suffix pure v2 adds for a zombie
 * whose cgroup was removed; null when there is no unified hierarchy.
 */
export function unifiedCgroupPath(lines: readonly CgroupLine[]): string | null {
  for (const line of lines) {
    if (line.hierarchyId === 0 && line.controllers.length === 0) {
      return line.path.endsWith(DELETED) ? line.path.slice(0, -DELETED.length) : line.path;
    }
  }
  return null;
}
