import { readdirSync } from 'node:fs';
import { isVanished, ProcfsError } from './errors.js';
import { parsePidStatBytes } from './pidStat.js';
import { parsePidStatusBytes } from './pidStatus.js';
import { toPid } from './procDir.js';
import { readIntoShared, sharedBuffer } from './readFile.js';

/**
 * One thread of a process, from /proc/<pid>/task/<tid>/stat and status. A thread is a task of the
 * process's thread group, never a process of its own: readdir('/proc') does not list it.
 */
export interface TaskRecord {
  /** Host TID (the thread-group leader's TID is the PID). */
  tid: number;
  /** NStid: the TID at every PID-namespace level, host first, innermost (in-container) last. */
  nsTids: number[];
  /** The thread's own name (pthread_setname_np), else the process's. */
  comm: string;
  state: string;
  /** Clock ticks the thread ran in user and kernel mode (utime + stime). */
  cpuTicks: number;
  /** Clock ticks since boot: with the TID, the thread's identity. */
  startTime: number;
}

/** TIDs listed in /proc/<pid>/task; null when the process is gone. */
export function readTaskIds(pid: number, root = '/proc'): number[] | null {
  const dir = `${root}/${pid}/task`;
  try {
    return readdirSync(dir)
      .map(toPid)
      .filter((tid) => tid > 0)
      .sort((a, b) => a - b);
  } catch (err) {
    if (isVanished(err)) return null;
    throw new ProcfsError('EIO', dir, (err as Error).message, undefined, err);
  }
}

/** /proc/<pid>/task/<tid>/stat and status as one record; null when the thread is gone. */
export function readTask(pid: number, tid: number, root = '/proc'): TaskRecord | null {
  const statFile = `${root}/${pid}/task/${tid}/stat`;
  let n = readIntoShared(statFile);
  if (n < 0) return null;
  const stat = parsePidStatBytes(sharedBuffer(), n, statFile);
  const statusFile = `${root}/${pid}/task/${tid}/status`;
  n = readIntoShared(statusFile);
  if (n < 0) return null;
  const status = parsePidStatusBytes(sharedBuffer(), n, statusFile);
  return {
    tid,
    nsTids: status.nsPids,
    comm: stat.comm,
    state: stat.state,
    cpuTicks: stat.utime + stat.stime,
    startTime: stat.startTime,
  };
}

/** Every thread of a process, by TID; null when the process is gone. Threads that end mid-read are left out. */
export function readPidTasks(pid: number, root = '/proc'): TaskRecord[] | null {
  const tids = readTaskIds(pid, root);
  if (tids === null) return null;
  const out: TaskRecord[] = [];
  for (const tid of tids) {
    const t = readTask(pid, tid, root);
    if (t) out.push(t);
  }
  return out;
}
