import { errnoName, errnoOf, type Libc, libc, libcUnavailable } from './libc.js';
import { readPidStat } from './pidStat.js';

/*
 * Signals that cannot hit a reused PID. kill(2) names a process by a number the kernel hands to
 * the next process once the old one is reaped, so "check the start time, then kill" leaves a
 * window. A pidfd (pidfd_open(2), Linux 5.3) names the process itself: once it is opened, a
 * signal through it (pidfd_send_signal(2), Linux 5.1) reaches that process or nobody.
 */

/** Syscall numbers; the same on every architecture since the unified table of Linux 5.1. */
const SYS_PIDFD_SEND_SIGNAL = 424;
const SYS_PIDFD_OPEN = 434;

/**
 * What happened: `sent`; `gone`: no such process (any more); `reused`: the PID belongs to a
 * process with another start time, nothing was sent; `denied`: the kernel refused (EPERM).
 */
export type SignalOutcome = 'sent' | 'gone' | 'reused' | 'denied';

export interface SignalResult {
  outcome: SignalOutcome;
  /** How the signal was (or would have been) sent. */
  via: 'pidfd' | 'kill';
  /** The start time the PID had when checked (for `reused`), null when gone. */
  startTime: number | null;
}

export interface PidfdSupport {
  available: boolean;
  /** Why signals fall back to kill(2); null when pidfds are used. */
  reason: string | null;
}

let support: PidfdSupport | null = null;

/** Whether this kernel and process can use pidfds (probed once, on this process itself). */
export function pidfdSupport(): PidfdSupport {
  if (support) return support;
  const lib = libc();
  if (!lib) {
    support = { available: false, reason: libcUnavailable() ?? 'no FFI' };
    return support;
  }
  const r = lib.syscall(SYS_PIDFD_OPEN, process.pid, 0);
  if (r.value >= 0) {
    lib.close(r.value);
    support = { available: true, reason: null };
  } else {
    support = {
      available: false,
      reason:
        r.errno === errnoOf(lib, 'ENOSYS')
          ? 'the kernel has no pidfd_open (Linux 5.3 or later needed)'
          : `pidfd_open failed: ${errnoName(lib, r.errno)}`,
    };
  }
  return support;
}

/**
 * Sends `signal` to the process `pid` if, and only if, it is the one that started at
 * `startTime` (clock ticks since boot, /proc/<pid>/stat field 22), as seen under the procfs
 * `root` (which must show the caller's own PID namespace).
 *
 * Through a pidfd: open it on the PID, then read the start time, then signal through the pidfd.
 * The process checked held the PID from its start until after the pidfd was opened, so the
 * pidfd names that very process; if it exits after the check, the signal reaches nobody (ESRCH)
 * even when the PID is taken again. Where pidfds are missing, the start time is checked and
 * kill(2) follows at once: a window of microseconds instead of none.
 */
export function signalProcess(
  pid: number,
  startTime: number,
  signal: number,
  root = '/proc',
): SignalResult {
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new RangeError(`not a process id: ${pid}`);
  }
  const lib = pidfdSupport().available ? libc() : null;
  if (!lib) return viaKill(pid, startTime, signal, root);
  const open = lib.syscall(SYS_PIDFD_OPEN, pid, 0);
  if (open.value < 0) {
    if (open.errno === errnoOf(lib, 'ESRCH'))
      return { outcome: 'gone', via: 'pidfd', startTime: null };
    throw new Error(`pidfd_open(${pid}) failed: ${errnoName(lib, open.errno)}`);
  }
  const fd = open.value;
  try {
    const stat = readPidStat(pid, root);
    if (stat === null) return { outcome: 'gone', via: 'pidfd', startTime: null };
    if (stat.startTime !== startTime) {
      return { outcome: 'reused', via: 'pidfd', startTime: stat.startTime };
    }
    return { outcome: sendThrough(lib, fd, signal), via: 'pidfd', startTime };
  } finally {
    lib.close(fd);
  }
}

/** pidfd_send_signal(fd, signal, NULL, 0). */
function sendThrough(lib: Libc, fd: number, signal: number): SignalOutcome {
  const r = lib.syscall(SYS_PIDFD_SEND_SIGNAL, fd, signal, 0, 0);
  if (r.value >= 0) return 'sent';
  if (r.errno === errnoOf(lib, 'ESRCH')) return 'gone';
  if (r.errno === errnoOf(lib, 'EPERM')) return 'denied';
  throw new Error(`pidfd_send_signal failed: ${errnoName(lib, r.errno)}`);
}

function viaKill(pid: number, startTime: number, signal: number, root: string): SignalResult {
  const stat = readPidStat(pid, root);
  if (stat === null) return { outcome: 'gone', via: 'kill', startTime: null };
  if (stat.startTime !== startTime) {
    return { outcome: 'reused', via: 'kill', startTime: stat.startTime };
  }
  try {
    process.kill(pid, signal);
    return { outcome: 'sent', via: 'kill', startTime };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return { outcome: 'gone', via: 'kill', startTime: null };
    if (code === 'EPERM') return { outcome: 'denied', via: 'kill', startTime };
    throw err;
  }
}
