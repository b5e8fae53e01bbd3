import { parseError } from './errors.js';
import { readIntoShared, sharedBuffer } from './readFile.js';

/** PF_KTHREAD in the `flags` field (include/linux/sched.h). kthreadd has ppid 0, so ppid is no test. */
export const PF_KTHREAD = 0x00200000;

/** The fields pidscope uses from /proc/<pid>/stat (proc(5), Documentation/filesystems/proc.rst). */
export interface PidStat {
  pid: number;
  /** Between the first `(` and the last `)`: may hold spaces, parentheses and newlines. */
  comm: string;
  /** R S D T t Z X I P (and W/K on old kernels). */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  ttyNr: number;
  tpgid: number;
  flags: number;
  /** Clock ticks in user / kernel mode. */
  utime: number;
  stime: number;
  /**
   * Clock ticks of the children it waited for (and of theirs it waited for), in user / kernel
   * mode: CPU time of processes that exited, kept by the kernel in the reaper's account.
   */
  cutime: number;
  cstime: number;
  priority: number;
  nice: number;
  numThreads: number;
  /** Clock ticks since boot. Together with pid, the process identity. */
  startTime: number;
  /** Bytes. */
  vsize: number;
  /** Pages. */
  rss: number;
  /**
   * Where the program text starts (man field 26). A new value means an exec (another binary, or
   * another ASLR base); 0 without memory (kernel threads, zombies), 1 when the reader may not see
   * it.
   */
  startCode: number;
  kernelThread: boolean;
}

// Index of each field in the space-separated list that follows the last ')' (man field N → N-3).
const F_STATE = 0;
const F_PPID = 1;
const F_PGRP = 2;
const F_SESSION = 3;
const F_TTY = 4;
const F_TPGID = 5;
const F_FLAGS = 6;
const F_UTIME = 11;
const F_STIME = 12;
const F_CUTIME = 13;
const F_CSTIME = 14;
const F_PRIORITY = 15;
const F_NICE = 16;
const F_THREADS = 17;
const F_STARTTIME = 19;
const F_VSIZE = 20;
const F_RSS = 21;
const F_STARTCODE = 23;
const LAST_NEEDED = F_STARTCODE;

const SPACE = 0x20;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN = 0x28;
const CLOSE = 0x29;

const numbers = new Float64Array(LAST_NEEDED + 1);

/**
 * Parses /proc/<pid>/stat held in `buf[0, length)`. This is the scanner's hot path: it walks the
 * bytes once and decodes only the command name.
 */
export function parsePidStatBytes(buf: Buffer, total: number, file = 'stat'): PidStat {
  const length = buf[total - 1] === 0x0a ? total - 1 : total;
  const open = buf.indexOf(OPEN);
  const close = buf.lastIndexOf(CLOSE, length - 1);
  const bad = (detail: string) => parseError(file, detail, buf.toString('utf8', 0, total));
  if (
    open <= 0 ||
    open >= length ||
    close < open ||
    close + 2 >= length ||
    buf[close + 1] !== SPACE
  ) {
    throw bad('expected "<pid> (<comm>) <state> …"');
  }
  const pid = parseUnsigned(buf, 0, open - 1);
  if (pid < 0 || buf[open - 1] !== SPACE) throw bad('bad pid');

  let i = close + 2;
  const stateStart = i;
  let field = 0;
  while (field <= LAST_NEEDED) {
    let end = buf.indexOf(SPACE, i);
    if (end < 0 || end > length) end = length;
    if (end === i) throw bad(`empty field ${field + 3}`);
    if (field !== F_STATE) {
      const value = parseSigned(buf, i, end);
      if (Number.isNaN(value)) throw bad(`field ${field + 3} is not a number`);
      numbers[field] = value;
    } else if (end !== i + 1) {
      throw bad('state is not one letter');
    }
    field++;
    if (end >= length) break;
    i = end + 1;
  }
  if (field <= LAST_NEEDED) throw bad(`only ${field + 2} fields`);

  const flags = numbers[F_FLAGS] as number;
  return {
    pid,
    comm: buf.toString('utf8', open + 1, close),
    state: String.fromCharCode(buf[stateStart] as number),
    ppid: numbers[F_PPID] as number,
    pgrp: numbers[F_PGRP] as number,
    session: numbers[F_SESSION] as number,
    ttyNr: numbers[F_TTY] as number,
    tpgid: numbers[F_TPGID] as number,
    flags,
    utime: numbers[F_UTIME] as number,
    stime: numbers[F_STIME] as number,
    cutime: numbers[F_CUTIME] as number,
    cstime: numbers[F_CSTIME] as number,
    priority: numbers[F_PRIORITY] as number,
    nice: numbers[F_NICE] as number,
    numThreads: numbers[F_THREADS] as number,
    startTime: numbers[F_STARTTIME] as number,
    vsize: numbers[F_VSIZE] as number,
    rss: numbers[F_RSS] as number,
    startCode: numbers[F_STARTCODE] as number,
    // flags is an unsigned int; bitwise ops on it are safe within 32 bits.
    kernelThread: (flags & PF_KTHREAD) !== 0,
  };
}

/** A kernel worker's name: its stable part, and the workqueue it runs (or last ran) now. */
export interface KernelWorkerName {
  /** `kworker/1:0`, `kworker/u8:2`, `kworker/0:1H`; any other name as it is. */
  name: string;
  /** `events`, `+mm_percpu_wq` (a `+` while it runs a work item); null when none is shown. */
  workqueue: string | null;
}

// kernel/workqueue.c wq_worker_comm(): "kworker/<cpu>:<id>[H]" or "kworker/u<pool>:<id>", then
// "-<workqueue>" when idle after it, "+<workqueue>" while running it. Rescuers are named
// "kworker/R-<workqueue>" for good: that dash is part of the name.
const KWORKER = /^(kworker\/u?\d+:\d+H?)([-+])(.+)$/s;

/**
 * Splits a kernel worker's command name into its stable part and its workqueue. The kernel
 * shows the workqueue a worker last served in its name, so the same thread is `kworker/1:0-events`
 * one second and `kworker/1:0-mm_percpu_wq` the next: the stable part is what names the thread.
 */
export function kernelWorkerName(comm: string): KernelWorkerName {
  const m = KWORKER.exec(comm);
  if (!m) return { name: comm, workqueue: null };
  return { name: m[1] as string, workqueue: m[2] === '+' ? `+${m[3]}` : (m[3] as string) };
}

/** Parses the text of /proc/<pid>/stat. Never splits by lines: a command name may hold `\n`. */
export function parsePidStat(text: string, file = 'stat'): PidStat {
  const buf = Buffer.from(text, 'utf8');
  return parsePidStatBytes(buf, buf.length, file);
}

/** Reads /proc/<pid>/stat under `root`; null when the process has vanished. */
export function readPidStat(pid: number, root = '/proc'): PidStat | null {
  const file = `${root}/${pid}/stat`;
  const n = readIntoShared(file);
  return n < 0 ? null : parsePidStatBytes(sharedBuffer(), n, file);
}

function parseUnsigned(buf: Buffer, start: number, end: number): number {
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c < ZERO || c > NINE) return -1;
    value = value * 10 + (c - ZERO);
  }
  return value;
}

function parseSigned(buf: Buffer, start: number, end: number): number {
  if (buf[start] === MINUS) {
    const v = parseUnsigned(buf, start + 1, end);
    return v < 0 ? Number.NaN : -v;
  }
  const v = parseUnsigned(buf, start, end);
  return v < 0 ? Number.NaN : v;
}
