import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Starts `count` sleeping processes cheaply: one shell forks them all and waits. Returns their
 * PIDs and a stop() that kills each by PID (then the shell, which reaps them).
 */
export async function startSleepers(count: number): Promise<{ pids: number[]; stop: () => void }> {
  // A static busybox execs without the dynamic loader: thousands of them start much faster.
  const sleep = existsSync('/bin/busybox') ? '/bin/busybox sleep' : 'sleep';
  const shell: ChildProcess = spawn(
    'sh',
    ['-c', `i=0; while [ $i -lt ${count} ]; do ${sleep} 100000 & i=$((i+1)); done; wait`],
    { stdio: 'ignore' },
  );
  const shellPid = shell.pid;
  if (shellPid === undefined) throw new Error('could not start the sleeper shell');
  let pids: number[] = [];
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    pids = readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8')
      .trim()
      .split(' ')
      .filter(Boolean)
      .map(Number);
    if (pids.length >= count) break;
    await delay(200);
  }
  const stop = () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      process.kill(shellPid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  if (pids.length < count) {
    stop();
    throw new Error(`only ${pids.length} of ${count} sleepers started`);
  }
  return { pids, stop };
}
