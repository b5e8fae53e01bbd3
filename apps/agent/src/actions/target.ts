import { readPidCmdline, readPidStat, readPidStatus, readProcSelf } from '@pidscope/procfs';

/**
 * A process as an action sees it, read fresh from /proc right before acting: the identity
 * (pid + start time), whether it is a thread-group leader, and its signal masks.
 */
export interface Target {
  pid: number;
  /** Thread-group id: equals pid for a process; differs for a non-leader thread id. */
  tgid: number;
  ppid: number;
  state: string;
  comm: string;
  cmdline: string[];
  startTime: number;
  kernelThread: boolean;
  /** NSpid chain, host first; [pid] when the kernel does not report it. */
  nsPids: number[];
  /** Hex masks from status; null when absent. */
  sigCgt: string | null;
  sigIgn: string | null;
  sigBlk: string | null;
}

/**
 * Reads one PID (which may be any thread id: /proc/<tid> is readable although readdir never lists
 * it) under procRoot; null when it does not exist or vanished while being read. Throws
 * ProcfsError when a file does not parse.
 */
export function readTarget(procRoot: string, pid: number): Target | null {
  const stat = readPidStat(pid, procRoot);
  if (stat === null) return null;
  const status = readPidStatus(pid, procRoot);
  if (status === null) return null;
  const cmdline = stat.kernelThread ? [] : readPidCmdline(pid, procRoot);
  if (cmdline === null) return null;
  return {
    pid,
    tgid: status.tgid,
    ppid: stat.ppid,
    state: stat.state,
    comm: stat.comm,
    cmdline,
    startTime: stat.startTime,
    kernelThread: stat.kernelThread || status.kthread === true,
    nsPids: status.nsPids,
    sigCgt: status.sigCgt,
    sigIgn: status.sigIgn,
    sigBlk: status.sigBlk,
  };
}

/**
 * The agent's own PID as procRoot sees it. `<procRoot>/self` resolves in the PID namespace of the
 * procfs mount, so an agent in a container reading the host's /proc still finds its host PID.
 */
export function selfPid(procRoot: string): number {
  return readProcSelf(procRoot) ?? process.pid;
}

/** PIDs from `pid` up to (excluding) 0: itself, its parent, … , PID 1. */
export function ancestry(procRoot: string, pid: number): number[] {
  const chain: number[] = [];
  let current = pid;
  while (current > 0 && chain.length < 4096 && !chain.includes(current)) {
    chain.push(current);
    const stat = readPidStat(current, procRoot);
    if (stat === null) break;
    current = stat.ppid;
  }
  return chain;
}
