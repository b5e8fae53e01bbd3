import { closeSync, openSync, readSync } from 'node:fs';

let cached: number | undefined;

/**
 * The kernel page size, to turn stat's rss (pages) into bytes. Node does not expose
 * getpagesize(); the first mapping in /proc/self/smaps states it. 4096 when unreadable.
 */
export function systemPageSize(): number {
  if (cached !== undefined) return cached;
  cached = 4096;
  try {
    const fd = openSync('/proc/self/smaps', 'r');
    try {
      const buf = Buffer.alloc(8192);
      const n = readSync(fd, buf, 0, buf.length, null);
      const m = /KernelPageSize:\s+(\d+) kB/.exec(buf.toString('latin1', 0, n));
      if (m) cached = Number(m[1]) * 1024;
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not Linux or /proc not mounted: keep the common default.
  }
  return cached;
}
