// Bytes on the wire per tick for 3,000 processes, idle and with 1% churn, against the snapshot;
// the agent's cost per tick (diff + JSON.stringify) and the client's (parse + apply); and the
// cost of checking a snapshot and a patch at 3,000 and 20,000 processes.
// Run alone: `npm run bench -w @pidscope/protocol`. Writes bench/results/protocol.json at the root.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import {
  applyPatch,
  type Container,
  diff,
  HEARTBEAT_INTERVAL_MS,
  type Heartbeat,
  isEmptyPatch,
  normalizeState,
  Patch,
  type Process,
  parseServerMessage,
  Snapshot,
  type State,
} from '../src/index.js';
import { TEST_HOST_PID_NS, TEST_NAMESPACES, testProcess } from '../src/testing.js';
import { validators } from '../src/validate.js';

const PROCESSES = 3_000;
const CHURN = 30; // 1%: exits per tick, and as many new processes
const STATE_CHANGES = 15;
const RSS_CHANGES = 90;
const QUIET_RSS_CHANGES = 10;
const TICKS = 300;
const INTERVAL_MS = 1_000;

/** mulberry32: a seeded PRNG, so every run measures the same trees. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = rng(42);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

const commands: readonly string[][] = [
  ['/usr/sbin/sshd', '-D'],
  ['/usr/bin/python3', '-m', 'gunicorn', 'app:wsgi', '--workers', '4', '--bind', '0.0.0.0:8000'],
  ['node', '/srv/app/dist/server.js'],
  ['/bin/sh', '-c', 'while true; do sleep 5; done'],
  ['sleep', '3600'],
  ['postgres: 14/main: checkpointer'],
  ['/usr/lib/jvm/java-17/bin/java', '-Xmx2g', '-jar', '/opt/service/service.jar'],
  ['nginx: worker process'],
];
const containers: Container[] = Array.from({ length: 12 }, (_, i) => ({
  id: i.toString(16).padStart(2, '0').repeat(32),
  name: `svc-${i}`,
  image: 'registry.local/team/service:1.42.0',
  state: 'running',
  runtime: 'docker',
  initPid: 1000 + i,
  hasInit: i % 2 === 0,
  pidNamespace: 4026532000 + i,
  sharesPidNamespaceWith: [],
  hostPidNamespace: false,
  execs: [],
  namespaces: TEST_NAMESPACES,
  pidsCurrent: 250,
  pidsMax: i % 3 === 0 ? null : 512,
  forkFailures: 0,
  pidsPeak: 260,
  labels: { 'com.docker.compose.project': 'stack', 'com.docker.compose.service': `svc-${i}` },
  etaSeconds: null,
}));

let nextPid = 1_000;
let clock = 500_000;
function newProcess(): Process {
  const cmdline = pick(commands);
  const c = random() < 0.6 ? pick(containers) : null;
  const pid = nextPid;
  nextPid += 1 + int(3);
  clock += 1 + int(50);
  return testProcess({
    pid,
    ppid: 1 + int(pid - 1),
    state: random() < 0.9 ? 'S' : 'R',
    comm: (cmdline[0] ?? 'x').split('/').pop()?.slice(0, 15) ?? 'x',
    cmdline,
    startTime: clock,
    threads: 1 + int(8),
    uid: random() < 0.5 ? 0 : 1000,
    nsPids: c ? [pid, 1 + int(300)] : [pid],
    pidNs: c ? c.pidNamespace : TEST_HOST_PID_NS,
    containerId: c ? c.id : null,
    runtime: c ? 'docker' : null,
    rssBytes: 4096 * (100 + int(100_000)),
  });
}

function initial(count = PROCESSES): State {
  return normalizeState({
    seq: 1,
    host: {
      hostname: 'bench-host',
      pidMax: 4_194_304,
      threadsMax: 254_000,
      tasks: 9_000,
      processes: count,
      zombies: 0,
      kernelThreads: 150,
      headroom: 245_000,
      etaSeconds: null,
      namespaces: TEST_NAMESPACES,
      pidNamespace: TEST_HOST_PID_NS,
      source: 'proc-connector',
      sourceReason: null,
    },
    docker: { available: true, reason: null, version: '20.10.24' },
    containers,
    processes: Array.from({ length: count }, newProcess),
  });
}

/**
 * One tick of 1% churn: 30 exits, 30 new processes, some state and RSS changes (for 3,000
 * processes; `scale` times as many of each).
 */
function churn(prev: State, scale = 1): State {
  const processes = [...prev.processes];
  for (let i = 0; i < CHURN * scale; i++) processes.splice(int(processes.length), 1);
  for (let i = 0; i < CHURN * scale; i++) processes.push(newProcess());
  for (let i = 0; i < STATE_CHANGES * scale; i++) {
    const at = int(processes.length);
    const p = processes[at] as Process;
    processes[at] = { ...p, state: p.state === 'S' ? 'R' : 'S' };
  }
  for (let i = 0; i < RSS_CHANGES * scale; i++) {
    const at = int(processes.length);
    const p = processes[at] as Process;
    processes[at] = { ...p, rssBytes: p.rssBytes + 4096 * (1 + int(64)) };
  }
  return normalizeState({
    ...prev,
    seq: prev.seq + 1,
    host: { ...prev.host, tasks: prev.host.tasks + int(21) - 10 },
    processes,
  });
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

const start = initial();
const snapshotText = JSON.stringify({ type: 'snapshot', seq: start.seq, state: start });
const snapshotBytes = Buffer.byteLength(snapshotText);

function medianMs(runs: number, fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return quantile(
    times.sort((a, b) => a - b),
    0.5,
  );
}
const snapshotStringifyMs = medianMs(30, () =>
  JSON.stringify({ type: 'snapshot', seq: start.seq, state: start }),
);
const snapshotParseMs = medianMs(30, () => parseServerMessage(snapshotText));

// Idle: nothing changes, so the patch is empty and is not sent ([T2]); only heartbeats go out.
const idle = diff(start, { ...start, processes: [...start.processes] });
if (!isEmptyPatch(idle)) throw new Error('an idle tick should produce an empty patch');
const heartbeat: Heartbeat = { type: 'heartbeat', seq: start.seq, at: Date.now() };
const idleBytesPerTick =
  Buffer.byteLength(JSON.stringify(heartbeat)) / (HEARTBEAT_INTERVAL_MS / INTERVAL_MS);

// Quiet: a real idle host still shows a few RSS changes per tick; each one is a small update.
function quiet(prev: State): State {
  const processes = [...prev.processes];
  for (let i = 0; i < QUIET_RSS_CHANGES; i++) {
    const at = int(processes.length);
    const p = processes[at] as Process;
    processes[at] = { ...p, rssBytes: p.rssBytes + 4096 };
  }
  return { ...prev, seq: prev.seq + 1, processes };
}
const quietBytes = Buffer.byteLength(JSON.stringify(diff(start, quiet(start))));

// Warm up the JIT, then measure.
let warm = start;
for (let i = 0; i < 30; i++) warm = churn(warm);
let prev = warm;
let client = warm;
const bytes: number[] = [];
const agentMs: number[] = [];
const clientMs: number[] = [];
let agentCpuUs = 0;
for (let i = 0; i < TICKS; i++) {
  const next = churn(prev);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const wire = JSON.stringify(diff(prev, next));
  const t1 = performance.now();
  const used = process.cpuUsage(cpu);
  agentCpuUs += used.user + used.system;
  const patch = parseServerMessage(wire);
  if (patch.type !== 'patch') throw new Error('expected a patch');
  client = applyPatch(client, patch);
  const t2 = performance.now();
  bytes.push(Buffer.byteLength(wire));
  agentMs.push(t1 - t0);
  clientMs.push(t2 - t1);
  prev = next;
}
// Deep equality, not equal JSON: applyPatch rebuilds a changed object in the schema's field order
// (the generated copiers), which need not be the order the generator wrote.
if (!isDeepStrictEqual(client, prev)) throw new Error('client state diverged');

// Checking at 3,000 and 20,000 processes. The page and the agent both run the checkers the build
// generates from the schemas. For comparison, on the same snapshot and patch: typebox's Compile
// (what the agent ran before; it needs eval, which the page's CSP forbids) and its schema walk,
// Value.Check (what the page ran before).
const checkingRows = [PROCESSES, 20_000].flatMap((count) => {
  const big = initial(count);
  const text = JSON.stringify({ type: 'snapshot', seq: big.seq, state: big });
  const patchText = JSON.stringify(diff(big, churn(big, count / PROCESSES)));
  const messages = [
    ['snapshot', Snapshot, validators.snapshot, JSON.parse(text) as unknown, 5],
    ['1% churn patch', Patch, validators.patch, JSON.parse(patchText) as unknown, 1],
  ] as const;
  const n = count.toLocaleString('en-US');
  return [
    {
      metric: `client: parseServerMessage of the snapshot, ${n} processes (median)`,
      value: round(medianMs(15, () => parseServerMessage(text))),
      unit: 'ms',
      note: `${(text.length / 2 ** 20).toFixed(1)} MiB; JSON.parse and the generated checker, in the page as in the agent`,
    },
    {
      metric: `client: parseServerMessage of a 1% churn patch, ${n} processes (median)`,
      value: round(medianMs(50, () => parseServerMessage(patchText))),
      unit: 'ms',
    },
    ...messages.flatMap(([what, schema, generated, value, runsPerWay]) => {
      const compiled = Compile(schema);
      const ways = [
        ['generated checker', 15 * runsPerWay, () => generated.Check(value)],
        ['typebox Compile (eval)', 15 * runsPerWay, () => compiled.Check(value)],
        ['typebox Value.Check walk', 5 * runsPerWay, () => Value.Check(schema, value)],
      ] as const;
      return ways.map(([way, runs, check]) => {
        if (!check()) throw new Error(`${way}: ${what} invalid`);
        return {
          metric: `check of the ${what} alone, ${n} processes: ${way} (median)`,
          value: round(medianMs(runs, check)),
          unit: 'ms',
        };
      });
    }),
  ];
});

const byteSorted = [...bytes].sort((a, b) => a - b);
const agentSorted = [...agentMs].sort((a, b) => a - b);
const clientSorted = [...clientMs].sort((a, b) => a - b);
const churnMedian = quantile(byteSorted, 0.5);

const results = {
  title: `Wire protocol (load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs during the run): ${PROCESSES} synthetic processes, ${TICKS} ticks of 1% churn (${CHURN} exits + ${CHURN} new + ${STATE_CHANGES} state + ${RSS_CHANGES} RSS changes per tick); checking at 3,000 and 20,000`,
  rows: [
    {
      metric: 'snapshot size',
      value: snapshotBytes,
      unit: 'bytes',
      note: 'JSON of the snapshot message',
    },
    {
      metric: 'idle: bytes per tick',
      value: round(idleBytesPerTick, 1),
      unit: 'bytes',
      note: `no patch is sent; one heartbeat every ${HEARTBEAT_INTERVAL_MS / 1000} s at a ${INTERVAL_MS} ms interval`,
    },
    {
      metric: 'idle: fraction of snapshot per tick',
      value: round(idleBytesPerTick / snapshotBytes, 6),
      unit: 'ratio',
      target: '< 0.001',
    },
    {
      metric: `quiet (${QUIET_RSS_CHANGES} RSS changes): patch bytes per tick`,
      value: quietBytes,
      unit: 'bytes',
    },
    {
      metric: 'quiet: fraction of snapshot per tick',
      value: round(quietBytes / snapshotBytes, 6),
      unit: 'ratio',
    },
    { metric: '1% churn: patch bytes per tick (median)', value: churnMedian, unit: 'bytes' },
    {
      metric: '1% churn: patch bytes per tick (p95)',
      value: quantile(byteSorted, 0.95),
      unit: 'bytes',
    },
    {
      metric: '1% churn: fraction of snapshot per tick (median)',
      value: round(churnMedian / snapshotBytes, 4),
      unit: 'ratio',
      target: '< 0.05',
    },
    {
      metric: 'agent: diff + JSON.stringify per tick (median)',
      value: round(quantile(agentSorted, 0.5)),
      unit: 'ms',
    },
    {
      metric: 'agent: diff + JSON.stringify per tick (p95)',
      value: round(quantile(agentSorted, 0.95)),
      unit: 'ms',
      target: '< 10',
    },
    {
      metric: 'agent: diff + JSON.stringify CPU time per tick (mean)',
      value: round(agentCpuUs / 1000 / TICKS),
      unit: 'ms',
      note: 'process CPU time, less sensitive than wall time to other load on the machine',
    },
    {
      metric: 'agent: JSON.stringify of the snapshot (median)',
      value: round(snapshotStringifyMs),
      unit: 'ms',
    },
    {
      metric: 'client: parseServerMessage of the snapshot (median)',
      value: round(snapshotParseMs),
      unit: 'ms',
      note: 'JSON.parse plus schema validation of every process',
    },
    {
      metric: 'client: parseServerMessage + applyPatch per tick (median)',
      value: round(quantile(clientSorted, 0.5)),
      unit: 'ms',
    },
    {
      metric: 'client: parseServerMessage + applyPatch per tick (p95)',
      value: round(quantile(clientSorted, 0.95)),
      unit: 'ms',
      target: '< 10',
    },
    ...checkingRows,
  ],
};

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'protocol.json'), `${JSON.stringify(results, null, 2)}\n`);
for (const r of results.rows) console.log(`${r.metric}: ${r.value} ${r.unit}`);
