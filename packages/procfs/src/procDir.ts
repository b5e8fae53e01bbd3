import { readdirSync } from 'node:fs';
import { ProcfsError } from './errors.js';

/** The entries of the procfs root: PIDs of thread-group leaders, and `self`, `sys`, `loadavg`, … */
export function listProcEntries(root: string): string[] {
  try {
    return readdirSync(root);
  } catch (err) {
    throw new ProcfsError('EIO', root, (err as Error).message, undefined, err);
  }
}

/** Parses a /proc entry name as a PID; -1 for non-numeric entries (`self`, `sys`, …). */
export function toPid(name: string): number {
  let pid = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    pid = pid * 10 + c;
  }
  return name.length === 0 ? -1 : pid;
}

/**
 * The PIDs listed in the procfs at `root`, in readdir order: every thread-group leader, zombies and
 * kernel threads included, never a non-leader thread.
 */
export function readPids(root = '/proc'): number[] {
  const pids: number[] = [];
  for (const name of listProcEntries(root)) {
    const pid = toPid(name);
    if (pid > 0) pids.push(pid);
  }
  return pids;
}
