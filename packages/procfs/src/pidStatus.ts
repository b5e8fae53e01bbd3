import { parseError } from './errors.js';
import { readText } from './readFile.js';

/** The fields pidscope uses from /proc/<pid>/status (Documentation/filesystems/proc.rst, table 1-2). */
export interface PidStatus {
  /** Command name, with the kernel's escapes (`\n`, `\\`) left as written. */
  name: string;
  /** One letter, as in stat. */
  state: string;
  tgid: number;
  pid: number;
  /** 0 when the parent is outside the reader's PID namespace. */
  ppid: number;
  /** Real, effective, saved, filesystem UID. */
  uids: [number, number, number, number];
  gids: [number, number, number, number];
  /** PID at every namespace level, the reader's namespace first, the innermost last. */
  nsPids: number[];
  nsTgids: number[];
  threads: number;
  /** `Kthread:` line (kernel 6.x); null when the kernel does not print it. */
  kthread: boolean | null;
  /** Resident set in kB; null for kernel threads and zombies, which print no VmRSS. */
  vmRssKb: number | null;
}

/**
 * Parses /proc/<pid>/status. Unlike stat, its lines can be trusted: the kernel escapes a newline
 * in `Name:` as `\n`.
 */
export function parsePidStatus(text: string, file = 'status'): PidStatus {
  const bad = (detail: string) => parseError(file, detail, text);
  // Looking keys up with indexOf beats splitting ~55 lines per process on a full scan.
  const field = (key: string): string | undefined => {
    const at = text.startsWith(`${key}:`) ? 0 : text.indexOf(`\n${key}:`);
    if (at < 0) return undefined;
    const from = at === 0 ? key.length + 1 : at + key.length + 2;
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    return text.slice(from, end).trim();
  };
  const int = (key: string): number => {
    const raw = field(key);
    if (raw === undefined) throw bad(`missing ${key}`);
    if (!/^-?\d+$/.test(raw)) throw bad(`${key} is not an integer`);
    return Number(raw);
  };
  const ints = (key: string, raw: string | undefined, min: number): number[] => {
    if (raw === undefined) throw bad(`missing ${key}`);
    const values = raw.split(/\s+/).map((v) => (/^\d+$/.test(v) ? Number(v) : Number.NaN));
    if (values.length < min || values.some(Number.isNaN)) {
      throw bad(`${key} is not a list of integers`);
    }
    return values;
  };

  const name = field('Name');
  const stateRaw = field('State');
  if (name === undefined) throw bad('missing Name');
  if (stateRaw === undefined || !/^[A-Za-z]( |$)/.test(stateRaw)) throw bad('bad State');
  const pid = int('Pid');
  const tgid = int('Tgid');
  const uids = ints('Uid', field('Uid'), 4);
  const gids = ints('Gid', field('Gid'), 4);
  // NSpid appeared in Linux 4.1; without it the reader's view is the only level known.
  const nsPidRaw = field('NSpid');
  const nsTgidRaw = field('NStgid');
  const nsPids = nsPidRaw === undefined ? [pid] : ints('NSpid', nsPidRaw, 1);
  const nsTgids = nsTgidRaw === undefined ? [tgid] : ints('NStgid', nsTgidRaw, 1);
  const kthreadRaw = field('Kthread');
  const rss = field('VmRSS');
  let vmRssKb: number | null = null;
  if (rss !== undefined) {
    const m = /^(\d+) kB$/.exec(rss);
    if (!m) throw bad('bad VmRSS');
    vmRssKb = Number(m[1]);
  }
  return {
    name,
    state: stateRaw.charAt(0),
    tgid,
    pid,
    ppid: int('PPid'),
    uids: uids.slice(0, 4) as PidStatus['uids'],
    gids: gids.slice(0, 4) as PidStatus['gids'],
    nsPids,
    nsTgids,
    threads: int('Threads'),
    kthread: kthreadRaw === undefined ? null : kthreadRaw === '1',
    vmRssKb,
  };
}

/** Reads /proc/<pid>/status under `root`; null when the process has vanished. */
export function readPidStatus(pid: number, root = '/proc'): PidStatus | null {
  const file = `${root}/${pid}/status`;
  const text = readText(file);
  return text === null ? null : parsePidStatus(text, file);
}
