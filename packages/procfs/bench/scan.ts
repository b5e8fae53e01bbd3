/**
 * `npm run bench -w @pidscope/procfs`: a full scan and a steady-state rescan against
 * `ps -eo pid,ppid,stat,comm`, timed in the same run with 3,000 extra sleeping processes.
 * Rounds interleave the three so that load from other work on the machine hits them alike.
 * Writes bench/results/procfs.json at the repository root.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ProcScanner } from '../src/index.js';
import { startSleepers } from './sleepers.js';

const EXTRA = Number(process.env.PIDSCOPE_BENCH_PROCESSES ?? 3000);
const ROUNDS = Number(process.env.PIDSCOPE_BENCH_ROUNDS ?? 15);
const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '../../../bench/results/procfs.json');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function timePs(): number {
  const t0 = performance.now();
  const r = spawnSync('ps', ['-eo', 'pid,ppid,stat,comm'], { maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`ps failed: ${r.stderr}`);
  return ms;
}

const sleepers = await startSleepers(EXTRA);
const cleanup = () => sleepers.stop();
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
try {
  const steady = new ProcScanner();
  const first = steady.scan();
  const ps: number[] = [];
  const full: number[] = [];
  const rescan: number[] = [];
  // Warm-up: page cache, JIT, dentries.
  timePs();
  const warm = new ProcScanner();
  warm.scan();
  warm.close();
  steady.scan();
  for (let i = 0; i < ROUNDS; i++) {
    ps.push(timePs());
    // A fresh scanner, and closing the descriptors it would keep counts too.
    const t0 = performance.now();
    const fresh = new ProcScanner();
    fresh.scan();
    fresh.close();
    full.push(performance.now() - t0);
    rescan.push(steady.scan().durationMs);
  }
  steady.close();
  const psMs = median(ps);
  const fullMs = median(full);
  const rescanMs = median(rescan);
  const round = (n: number) => Math.round(n * 100) / 100;
  const result = {
    title: `procfs scan vs ps -eo pid,ppid,stat,comm (${first.processes.length} processes, median of ${ROUNDS})`,
    rows: [
      { metric: 'processes scanned', value: first.processes.length, unit: 'processes' },
      { metric: 'ps -eo pid,ppid,stat,comm', value: round(psMs), unit: 'ms' },
      { metric: 'full scan (new ProcScanner)', value: round(fullMs), unit: 'ms' },
      { metric: 'steady-state rescan', value: round(rescanMs), unit: 'ms' },
      {
        metric: 'full scan / ps',
        value: round(fullMs / psMs),
        unit: 'ratio',
        target: '<= 0.5',
        note: 'reads stat, status, cmdline, cgroup, ns/pid of every process',
      },
      {
        metric: 'rescan / ps',
        value: round(rescanMs / psMs),
        unit: 'ratio',
        target: '<= 0.2',
        note: 're-reads stat only for known (pid, startTime)',
      },
    ],
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`ps runs: ${ps.map((v) => v.toFixed(0)).join(' ')}`);
  console.log(`full runs: ${full.map((v) => v.toFixed(0)).join(' ')}`);
  console.log(`rescan runs: ${rescan.map((v) => v.toFixed(1)).join(' ')}`);
} finally {
  cleanup();
}
