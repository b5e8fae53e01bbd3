import { readText } from './readFile.js';

/**
 * Parses /proc/<pid>/environ: the `NAME=value` strings the process was started with (or wrote
 * over its initial environment), each terminated by NUL. Entries are kept as written, in order: a
 * name may appear twice, and an entry need not hold `=`.
 */
export function parsePidEnviron(text: string): string[] {
  if (text.length === 0) return [];
  const end = text.endsWith('\0') ? text.length - 1 : text.length;
  return text.slice(0, end).split('\0');
}

/** The value of `name` in parsed environ entries (the first one, as getenv(3) finds it); null when unset. */
export function environValue(entries: readonly string[], name: string): string | null {
  const prefix = `${name}=`;
  const entry = entries.find((e) => e.startsWith(prefix));
  return entry === undefined ? null : entry.slice(prefix.length);
}

/**
 * Reads /proc/<pid>/environ under `root` (proc(5), Documentation/filesystems/proc.rst). null when
 * the process has vanished, and for a zombie or a kernel thread, which have no memory to read it
 * from (ESRCH). Another user's environ needs CAP_SYS_PTRACE, and PID 1's is refused even to root
 * here: that throws ProcfsError `EIO`, for which `isRestricted` is true.
 */
export function readPidEnviron(pid: number, root = '/proc'): string[] | null {
  const text = readText(`${root}/${pid}/environ`);
  return text === null ? null : parsePidEnviron(text);
}
