// Recording benchmark: the agent's CPU with history recording and without (PIDSCOPE_MAX_DISK=0),
// in alternating windows, over ~3,000 sleeping processes of which 1% are replaced every second;
// and the store's growth while recording. Writes bench/results/recording.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryRange } from '@pidscope/protocol';
import { runCleaningUp, spawnAgent } from './agentProcess.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OUT = `${ROOT}bench/results/recording.json`;
const CROWD = Number(process.env.BENCH_EXTRA_PROCESSES ?? 3000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 60_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP_MS = 10_000;
const CLK_TCK = 100;
const TOKEN = 'bench-recording-token';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanup: (() => void)[] = [];

function kill(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** `CROWD` sleepers; every second 1% of them are killed and as many started. */
function startCrowd(): { stop(): void } {
  const crowd: ChildProcess[] = [];
  const one = () => {
    const c = spawn('sleep', ['3600'], { stdio: 'ignore' });
    crowd.push(c);
  };
  for (let i = 0; i < CROWD; i++) one();
  const perSecond = Math.round(CROWD / 100);
  const timer = setInterval(() => {
    for (let i = 0; i < perSecond; i++) {
      const [victim] = crowd.splice(Math.floor(Math.random() * crowd.length), 1);
      kill(victim?.pid);
      one();
    }
  }, 1000);
  const stop = () => {
    clearInterval(timer);
    for (const c of crowd) kill(c.pid);
  };
  cleanup.push(stop);
  return { stop };
}

async function startAgent(recording: boolean): Promise<{ child: ChildProcess; base: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pidscope-recording-bench-'));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const agent = await spawnAgent([
    '--token',
    TOKEN,
    '--data-dir',
    dataDir,
    '--max-disk',
    recording ? '512MB' : '0',
  ]);
  cleanup.push(() => kill(agent.child.pid));
  return agent;
}

async function history(base: string): Promise<HistoryRange> {
  const res = await fetch(`${base}/api/v1/history`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await res.json()) as HistoryRange;
}

async function measure(recording: boolean): Promise<{ cpuMs: number; bytes: number; ms: number }> {
  const { child, base } = await startAgent(recording);
  const pid = child.pid as number;
  await sleep(WARMUP_MS);
  const b0 = recording ? (await history(base)).bytes : 0;
  const c0 = cpuTicks(pid);
  const t0 = Date.now();
  await sleep(WINDOW_MS);
  const c1 = cpuTicks(pid);
  const ms = Date.now() - t0;
  const b1 = recording ? (await history(base)).bytes : 0;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { cpuMs: ((c1 - c0) / CLK_TCK) * 1000, bytes: b1 - b0, ms };
}

async function main(): Promise<void> {
  startCrowd();
  await sleep(5000);
  const off: number[] = [];
  const on: number[] = [];
  let bytes = 0;
  let recordedMs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const a = await measure(false);
    off.push(a.cpuMs / (a.ms / 1000));
    const b = await measure(true);
    on.push(b.cpuMs / (b.ms / 1000));
    bytes += b.bytes;
    recordedMs += b.ms;
    console.log(
      `round ${r + 1}: CPU ${off.at(-1)?.toFixed(0)} ms/s without, ${on.at(-1)?.toFixed(0)} ms/s with`,
    );
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const cpuOff = mean(off);
  const cpuOn = mean(on);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const rows = [
    {
      metric: 'agent CPU without recording',
      value: Number(cpuOff.toFixed(0)),
      unit: 'ms per s',
      note: `${ROUNDS} windows of ${WINDOW_MS / 1000} s, ${CROWD} sleepers, 1% replaced a second, load average ${load}`,
    },
    {
      metric: 'agent CPU with recording',
      value: Number(cpuOn.toFixed(0)),
      unit: 'ms per s',
      note: 'alternating with the windows without',
    },
    {
      metric: "recording's extra agent CPU",
      value: Number((((cpuOn - cpuOff) / cpuOff) * 100).toFixed(1)),
      unit: '%',
      target: '≤ 10%',
      note: 'of the agent’s CPU without recording',
    },
    {
      metric: 'disk written by recording',
      value: Number(((bytes / 1e6) * (3_600_000 / recordedMs)).toFixed(1)),
      unit: 'MB/h',
      target: '≤ 50 MB/h',
      note: `store growth over ${(recordedMs / 1000).toFixed(0)} s, after the first keyframe`,
    },
  ];
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify({ title: `recording: the agent with ${CROWD} processes and 1% churn a second`, rows }, null, 2)}\n`,
  );
  console.log(rows.map((r) => `${r.metric}: ${r.value} ${r.unit}`).join('\n'));
}

await runCleaningUp(main, () => {
  for (const f of cleanup.reverse()) f();
});
