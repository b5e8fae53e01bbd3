// Run by the live tests inside a container whose seccomp profile hides the pidfd syscalls: signals
// a child of its own through the fallback and prints what happened as one JSON line.
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { pidfdSupport, readPidStat, signalProcess } from '../../src/index.js';

const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
const exited = new Promise<string | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
const pid = child.pid as number;
let start: number | undefined;
while (start === undefined) {
  start = readPidStat(pid)?.startTime;
  await delay(10);
}
const reused = signalProcess(pid, start + 1, 9);
const sent = signalProcess(pid, start, 15);
console.log(JSON.stringify({ support: pidfdSupport(), reused, sent, signal: await exited }));
