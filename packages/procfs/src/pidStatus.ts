import { parseError } from './errors.js';
import { readIntoShared, sharedBuffer } from './readFile.js';

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
  /** Slots in the process's file descriptor table now (`FDSize`); null when not printed. */
  fdSize: number | null;
  /** PID at every namespace level, the reader's namespace first, the innermost last. */
  nsPids: number[];
  nsTgids: number[];
  threads: number;
  /** `Kthread:` line (kernel 6.x); null when the kernel does not print it. */
  kthread: boolean | null;
  /** Resident set in kB; null for kernel threads and zombies, which print no VmRSS. */
  vmRssKb: number | null;
  /**
   * Signal masks as the kernel prints them: 16 hex digits, bit N-1 for signal N (see
   * `signalMaskHas`). Pending for the thread and for the whole process, blocked, ignored
   * (SIG_IGN) and caught (a handler installed); null when the kernel prints none.
   */
  sigPnd: string | null;
  shdPnd: string | null;
  sigBlk: string | null;
  sigIgn: string | null;
  sigCgt: string | null;
}

const TAB = 9;
const SPACE = 32;
const ZERO = 48;
const NINE = 57;
const LOWER_A = 97;
const LOWER_F = 102;
const UPPER_A = 65;
const UPPER_F = 70;

/**
 * Parses /proc/<pid>/status held in `buf[0, length)` (the scanner's path). The bytes are viewed
 * as latin1, which is a copy, so offsets in the string are byte offsets; only Name is decoded as
 * UTF-8.
 */
export function parsePidStatusBytes(buf: Buffer, length: number, file = 'status'): PidStatus {
  const text = buf.toString('latin1', 0, length);
  return parseStatus(
    text,
    file,
    (from, to) => buf.toString('utf8', from, to),
    () => buf.toString('utf8', 0, length),
  );
}

/**
 * Parses the text of /proc/<pid>/status. Unlike stat, its lines can be trusted: the kernel escapes
 * a newline in `Name:` as `\n`.
 */
export function parsePidStatus(text: string, file = 'status'): PidStatus {
  return parseStatus(
    text,
    file,
    (from, to) => text.slice(from, to),
    () => text,
  );
}

/** `\n<key>:` for each key read, in the order the kernel prints them (fs/proc/array.c). */
const NEEDLES = Object.fromEntries(
  [
    'State',
    'Tgid',
    'Pid',
    'PPid',
    'Uid',
    'Gid',
    'FDSize',
    'NStgid',
    'NSpid',
    'Kthread',
    'VmRSS',
    'Threads',
    'SigPnd',
    'ShdPnd',
    'SigBlk',
    'SigIgn',
    'SigCgt',
  ].map((key) => [key, `\n${key}:`]),
) as Record<string, string>;

/**
 * Looks keys up in the kernel's order, each search starting where the previous one matched (with
 * a search from the start should a kernel print them otherwise), and parses numbers in place: a
 * full scan parses thousands of these, and splitting ~55 lines each was a visible part of its
 * cost.
 */
function parseStatus(
  s: string,
  file: string,
  name: (from: number, to: number) => string,
  original: () => string,
): PidStatus {
  const bad = (detail: string) => parseError(file, detail, original());
  let cursor = 0;
  const valueAt = (key: string): number => {
    const needle = NEEDLES[key] as string;
    let hit = s.indexOf(needle, cursor);
    if (hit < 0 && cursor > 0) hit = s.indexOf(needle);
    if (hit < 0) return -1;
    let at = hit + needle.length;
    cursor = at;
    while (s.charCodeAt(at) === TAB || s.charCodeAt(at) === SPACE) at++;
    return at;
  };
  const lineEnd = (from: number): number => {
    const end = s.indexOf('\n', from);
    return end < 0 ? s.length : end;
  };
  const ints = (key: string, required: boolean): number[] | null => {
    const from = valueAt(key);
    if (from < 0) {
      if (required) throw bad(`missing ${key}`);
      return null;
    }
    const end = lineEnd(from);
    const values: number[] = [];
    let i = from;
    while (i < end) {
      const start = i;
      let value = 0;
      for (let c = s.charCodeAt(i); c >= ZERO && c <= NINE; c = s.charCodeAt(++i)) {
        value = value * 10 + c - ZERO;
      }
      const next = s.charCodeAt(i);
      if (i === start || (i < end && next !== TAB && next !== SPACE)) {
        throw bad(`${key} is not a list of integers`);
      }
      values.push(value);
      while (i < end && (s.charCodeAt(i) === TAB || s.charCodeAt(i) === SPACE)) i++;
    }
    if (values.length === 0) throw bad(`${key} is empty`);
    return values;
  };
  const int = (key: string): number => {
    const values = ints(key, true) as number[];
    if (values.length !== 1) throw bad(`${key} is not one integer`);
    return values[0] as number;
  };
  const mask = (key: string): string | null => {
    const from = valueAt(key);
    if (from < 0) return null;
    const end = lineEnd(from);
    if (end === from) throw bad(`${key} is empty`);
    for (let i = from; i < end; i++) {
      if (!isHexDigit(s.charCodeAt(i))) throw bad(`${key} is not a hex mask`);
    }
    return s.slice(from, end);
  };
  const four = (key: string): [number, number, number, number] => {
    const values = ints(key, true) as number[];
    if (values.length !== 4) throw bad(`${key} does not hold four ids`);
    return values as [number, number, number, number];
  };

  if (!s.startsWith('Name:')) throw bad('missing Name');
  let nameAt = 5;
  while (s.charCodeAt(nameAt) === TAB || s.charCodeAt(nameAt) === SPACE) nameAt++;
  const stateAt = valueAt('State');
  const state = stateAt < 0 ? '' : s.charAt(stateAt);
  if (!/^[A-Za-z]$/.test(state) || !/^( |\n|$)/.test(s.charAt(stateAt + 1))) {
    throw bad('bad State');
  }
  const tgid = int('Tgid');
  const pid = int('Pid');
  const ppid = int('PPid');
  const uids = four('Uid');
  const gids = four('Gid');
  const fdSizes = ints('FDSize', false);
  if (fdSizes !== null && fdSizes.length !== 1) throw bad('FDSize is not one integer');
  // NSpid appeared in Linux 4.1; without it the reader's view is the only level known.
  const nsTgids = ints('NStgid', false) ?? [tgid];
  const nsPids = ints('NSpid', false) ?? [pid];
  const kthreadAt = valueAt('Kthread');
  const rssAt = valueAt('VmRSS');
  let vmRssKb: number | null = null;
  if (rssAt >= 0) {
    const m = /^(\d+) kB$/.exec(s.slice(rssAt, lineEnd(rssAt)));
    if (!m) throw bad('bad VmRSS');
    vmRssKb = Number(m[1]);
  }
  const threads = int('Threads');
  return {
    name: name(nameAt, lineEnd(nameAt)),
    state,
    tgid,
    pid,
    ppid,
    uids,
    gids,
    fdSize: fdSizes?.[0] ?? null,
    nsPids,
    nsTgids,
    threads,
    kthread: kthreadAt < 0 ? null : s.charAt(kthreadAt) === '1',
    vmRssKb,
    sigPnd: mask('SigPnd'),
    shdPnd: mask('ShdPnd'),
    sigBlk: mask('SigBlk'),
    sigIgn: mask('SigIgn'),
    sigCgt: mask('SigCgt'),
  };
}

function isHexDigit(c: number): boolean {
  return (
    (c >= ZERO && c <= NINE) || (c >= LOWER_A && c <= LOWER_F) || (c >= UPPER_A && c <= UPPER_F)
  );
}

/**
 * Whether signal number `signal` (1-64) is set in a status mask (SigCgt, SigIgn, SigBlk, SigPnd,
 * ShdPnd): bit N-1 for signal N (fs/proc/array.c render_sigset_t). False for a null mask.
 */
export function signalMaskHas(mask: string | null, signal: number): boolean {
  if (mask === null || !Number.isInteger(signal) || signal < 1) return false;
  // The last hex digit holds signals 1-4, the one before 5-8, and so on.
  const digit = mask.length - 1 - Math.floor((signal - 1) / 4);
  if (digit < 0) return false;
  return ((Number.parseInt(mask.charAt(digit), 16) >> ((signal - 1) % 4)) & 1) === 1;
}

/** Reads /proc/<pid>/status under `root`; null when the process has vanished. */
export function readPidStatus(pid: number, root = '/proc'): PidStatus | null {
  const file = `${root}/${pid}/status`;
  const n = readIntoShared(file);
  return n < 0 ? null : parsePidStatusBytes(sharedBuffer(), n, file);
}
