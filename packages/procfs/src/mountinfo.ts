import { parseError } from './errors.js';
import { mustRead } from './loadavg.js';

/** One line of /proc/<pid>/mountinfo (proc(5), Documentation/filesystems/proc.rst 3.5). */
export interface MountInfo {
  mountId: number;
  parentId: number;
  /** `major:minor`. */
  device: string;
  /** The directory of the filesystem that is mounted (for cgroups: the cgroup namespace root). */
  root: string;
  mountPoint: string;
  mountOptions: string[];
  /** Tagged fields such as `shared:1`, `master:2`. */
  optionalFields: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** Undoes the kernel's octal escapes of space, tab, newline and backslash (`\040`). */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) =>
    String.fromCharCode(Number.parseInt(oct, 8)),
  );
}

/** Parses mountinfo text. */
export function parseMountinfo(text: string, file = 'self/mountinfo'): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const parts = line.split(' ');
    const dash = parts.indexOf('-', 6);
    if (dash < 0 || parts.length < dash + 4) {
      throw parseError(file, `bad line ${JSON.stringify(line)}`, text);
    }
    const mountId = Number(parts[0]);
    const parentId = Number(parts[1]);
    if (!Number.isInteger(mountId) || !Number.isInteger(parentId)) {
      throw parseError(file, `bad mount id in ${JSON.stringify(line)}`, text);
    }
    mounts.push({
      mountId,
      parentId,
      device: parts[2] as string,
      root: unescapeOctal(parts[3] as string),
      mountPoint: unescapeOctal(parts[4] as string),
      mountOptions: (parts[5] as string).split(','),
      optionalFields: parts.slice(6, dash),
      fsType: parts[dash + 1] as string,
      source: unescapeOctal(parts[dash + 2] as string),
      superOptions: (parts[dash + 3] as string).split(','),
    });
  }
  return mounts;
}

/** Reads `<root>/self/mountinfo`: the mounts as the reading process sees them. */
export function readMountinfo(root = '/proc'): MountInfo[] {
  const file = `${root}/self/mountinfo`;
  return parseMountinfo(mustRead(file), file);
}
