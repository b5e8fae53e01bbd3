/**
 * `npm run bench -w @pidscope/procfs`: a full scan and a steady-state rescan against
 * `ps -eo pid,ppid,stat,comm`, timed in the same run with 3,000 extra sleeping processes.
 * Rounds interleave the three so that load from other work on the machine hits them alike.
 * Wall-clock medians are the measure; CPU time (user + system; for ps from this process's
 * reaped-children times, in clock ticks) is reported beside them because it is far less
 * sensitive to other work on a shared machine.
 * Writes bench/results/procfs.json at the repository root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU time of this process's reaped children (stat cutime + cstime), in ms. */
function childrenCpuMs(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Sample {
  wall: number;
  cpu: number;
}

function timePs(): Sample {
  const c0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync('ps', ['-eo', 'pid,ppid,stat,comm'], { maxBuffer: 64 << 20 });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`ps failed: ${r.stderr}`);
  return { wall, cpu: childrenCpuMs() - c0 };
}

function time(fn: () => void): Sample {
  const c0 = selfCpuMs();
  const t0 = performance.now();
  fn();
  return { wall: performance.now() - t0, cpu: selfCpuMs() - c0 };
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
  const ps: Sample[] = [];
  const full: Sample[] = [];
  const rescan: Sample[] = [];
  // Warm-up: page cache, JIT, dentries.
  timePs();
  const warm = new ProcScanner();
  warm.scan();
  warm.close();
  steady.scan();
  for (let i = 0; i < ROUNDS; i++) {
    ps.push(timePs());
    // A fresh scanner; closing the descriptors it would keep counts too.
    full.push(
      time(() => {
        const fresh = new ProcScanner();
        fresh.scan();
        fresh.close();
      }),
    );
    rescan.push(time(() => steady.scan()));
  }
  steady.close();
  const wall = (xs: Sample[]) => median(xs.map((x) => x.wall));
  const cpu = (xs: Sample[]) => xs.reduce((sum, x) => sum + x.cpu, 0) / xs.length;
  const round = (n: number) => Math.round(n * 100) / 100;
  const psMs = wall(ps);
  const fullMs = wall(full);
  const rescanMs = wall(rescan);
  const result = {
    title: `procfs scan vs ps -eo pid,ppid,stat,comm (${first.processes.length} processes, ${EXTRA} extra sleepers, median of ${ROUNDS})`,
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
        note: 'wall clock; reads stat, status, cmdline, cgroup of every process',
      },
      {
        metric: 'rescan / ps',
        value: round(rescanMs / psMs),
        unit: 'ratio',
        target: '<= 0.2',
        note: 'wall clock; one pread of stat per known (pid, startTime)',
      },
      { metric: 'ps CPU time (mean)', value: round(cpu(ps)), unit: 'ms' },
      { metric: 'full scan CPU time (mean)', value: round(cpu(full)), unit: 'ms' },
      { metric: 'rescan CPU time (mean)', value: round(cpu(rescan)), unit: 'ms' },
      { metric: 'full scan / ps, CPU time', value: round(cpu(full) / cpu(ps)), unit: 'ratio' },
      { metric: 'rescan / ps, CPU time', value: round(cpu(rescan) / cpu(ps)), unit: 'ratio' },
      {
        metric: 'load average during the run',
        value: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
        unit: 'load1',
        note: 'other work on the machine inflates every number above',
      },
    ],
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  for (const [name, xs] of [
    ['ps', ps],
    ['full', full],
    ['rescan', rescan],
  ] as const) {
    console.log(
      `${name} wall/cpu ms: ${xs.map((x) => `${x.wall.toFixed(0)}/${x.cpu.toFixed(0)}`).join(' ')}`,
    );
  }
} finally {
  cleanup();
}
