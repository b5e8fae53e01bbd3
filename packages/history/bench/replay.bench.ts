// History benchmark: 24 hours of a host with 3,000 processes and 1% churn a second, recorded into
// a real store one frame a second (the recorder's keyframe policy); then how long the state at
// random moments takes, how long opening it takes, and what it takes on disk.
// Writes bench/results/history.json at the repository root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Container, Event, Patch, Process, State } from '@pidscope/protocol';
import { TEST_HOST_PID_NS, TEST_NAMESPACES } from '@pidscope/protocol/testing';
import { HistoryStore, keyframeDue } from '../src/index.js';
import { rng } from '../test/world.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OUT = join(ROOT, 'bench', 'results', 'history.json');
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 3000);
const HOURS = Number(process.env.BENCH_HOURS ?? 24);
const CHURN = 0.01;
const PROBES = 100;

const random = rng(16);
const CONTAINERS: Container[] = Array.from({ length: 8 }, (_, i) => ({
  id: `${i}`.repeat(64).slice(0, 64).replace(/^./, 'a'),
  name: `svc-${i}`,
  image: `registry.example.com/team/svc-${i}:1.${i}`,
  state: 'running',
  runtime: 'docker',
  initPid: 100 + i,
  hasInit: i % 2 === 0,
  pidNamespace: 4026532000 + i,
  sharesPidNamespaceWith: [],
  hostPidNamespace: false,
  execs: [],
  namespaces: TEST_NAMESPACES,
  pidsCurrent: 40,
  pidsMax: i < 4 ? 512 : null,
  forkFailures: 0,
  pidsPeak: null,
  labels: { 'com.docker.compose.service': `svc-${i}`, team: 'platform' },
  etaSeconds: null,
}));

let nextPid = 1000;
let ticks = 100_000;
function newProcess(): Process {
  const pid = nextPid++;
  if (nextPid > 4_000_000) nextPid = 1000;
  const c = random() < 0.6 ? CONTAINERS[Math.floor(random() * CONTAINERS.length)] : undefined;
  const kind = Math.floor(random() * 6);
  const cmdline = [
    ['/usr/bin/python3', '-m', 'worker', `--queue=jobs-${kind}`, '--concurrency=4'],
    ['/bin/sh', '-c', `curl -fsS http://service-${kind}.internal/health || exit 1`],
    ['sleep', String(30 + kind)],
    ['/usr/local/bin/node', '/app/server.js', `--port=${8000 + kind}`],
    ['nginx: worker process'],
    ['/usr/lib/jvm/bin/java', '-Xmx512m', '-jar', `/opt/app-${kind}.jar`],
  ][kind] as string[];
  return {
    pid,
    ppid: c ? (c.initPid as number) : 1,
    state: 'S',
    comm: (cmdline[0] as string).split('/').pop()?.slice(0, 15) ?? 'x',
    cmdline,
    startTime: ticks++,
    threads: 1 + Math.floor(random() * 8),
    uid: c ? 1000 : 0,
    kernelThread: false,
    nsPids: c ? [pid, 10 + Math.floor(random() * 500)] : [pid],
    pidNs: c ? c.pidNamespace : 4026531836,
    containerId: c ? c.id : null,
    runtime: c ? 'docker' : null,
    rssBytes: Math.floor(random() * 2 ** 28),
    cpu: 0,
    zombieSince: null,
  };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pidscope-history-bench-'));
  try {
    const procs = new Map<number, Process>();
    for (let i = 0; i < PROCESSES; i++) {
      const p = newProcess();
      procs.set(p.pid, p);
    }
    const host = {
      hostname: 'bench',
      pidMax: 4_194_304,
      threadsMax: 255_000,
      tasks: PROCESSES * 3,
      processes: PROCESSES,
      zombies: 0,
      kernelThreads: 120,
      headroom: 255_000 - PROCESSES * 3,
      etaSeconds: null,
      namespaces: TEST_NAMESPACES,
      pidNamespace: TEST_HOST_PID_NS,
      source: 'proc-connector' as const,
      sourceReason: null,
    };
    const docker = { available: true, reason: null, version: '20.10.24' };
    const state = (seq: number, withProcesses: boolean): State => ({
      seq,
      host,
      docker,
      containers: CONTAINERS,
      processes: withProcesses
        ? [...procs.values()].sort((a, b) => a.pid - b.pid || a.startTime - b.startTime)
        : [],
    });
    const store = HistoryStore.open({
      dir,
      owner: { pid: process.pid, startTime: 0 },
      retentionMs: (HOURS + 1) * 3_600_000,
      maxBytes: 512e6,
    });
    const seconds = HOURS * 3600;
    const t0 = Date.now() - seconds * 1000;
    let seq = 1;
    let eventId = 1;
    await store.appendKeyframe(state(seq, true), t0, { start: true });
    const perSecond = Math.round(PROCESSES * CHURN);
    const written0 = performance.now();
    for (let s = 1; s <= seconds; s++) {
      const at = t0 + s * 1000;
      const live = [...procs.keys()];
      const removed: Process[] = [];
      while (removed.length < perSecond) {
        const pid = live[Math.floor(random() * live.length)] as number;
        const p = procs.get(pid);
        if (!p) continue;
        procs.delete(pid);
        removed.push(p);
      }
      const added = Array.from({ length: perSecond }, newProcess);
      for (const p of added) procs.set(p.pid, p);
      const events: Event[] = removed.map((p) => ({
        id: eventId++,
        type: 'exited',
        at,
        pid: p.pid,
        startTime: p.startTime,
        containerId: p.containerId,
        comm: p.comm,
        message: `${p.comm} (PID ${p.pid}) exited`,
      }));
      host.tasks += Math.round((random() - 0.5) * 10);
      const patch: Patch = {
        type: 'patch',
        seq: seq + 1,
        baseSeq: seq,
        added,
        updated: [],
        removed: removed.map((p) => ({ pid: p.pid, startTime: p.startTime })),
        containers: { upserted: [], removed: [] },
        host: { tasks: host.tasks },
        events,
      };
      seq++;
      await store.appendTicks([{ at, patch }], state(seq, false));
      if (store.rotationDue()) await store.appendKeyframe(state(seq, true), at, { start: false });
      else if (
        keyframeDue(store.sinceKeyframe(), at, { keyframeEveryMs: 300_000, keyframeAfterRatio: 4 })
      ) {
        await store.appendKeyframe(state(seq, true), at, { start: false, inPlace: true });
      }
      if (s % 600 === 0) {
        await store.sync();
        process.stdout.write(`\r  recorded ${(s / 3600).toFixed(1)} of ${HOURS} h`);
      }
    }
    const writeSeconds = (performance.now() - written0) / 1000;
    process.stdout.write('\n');
    const range = store.range();
    await store.close();

    const open0 = performance.now();
    const again = HistoryStore.open({
      dir,
      owner: { pid: process.pid, startTime: 0 },
      retentionMs: (HOURS + 1) * 3_600_000,
      maxBytes: 512e6,
    });
    const openMs = performance.now() - open0;
    const from = again.range().from as number;
    const to = again.range().to as number;
    const times: number[] = [];
    let processesSeen = 0;
    for (let i = 0; i < PROBES; i++) {
      const at = from + random() * (to - from);
      const t = performance.now();
      const r = again.stateAt(at);
      times.push(performance.now() - t);
      processesSeen = r.state.processes.length;
    }
    const eventsT = performance.now();
    const zombies = again.events({ types: new Set(['zombie-appeared']), limit: 1000 });
    const eventsMs = performance.now() - eventsT;
    await again.close();
    const keptHours = (to - from) / 3_600_000;
    const mbPerHour = range.bytes / 1e6 / keptHours;

    const rows = [
      {
        metric: 'state at a random moment of the recording, p50',
        value: percentile(times, 50),
        unit: 'ms',
        target: '',
        note: `${PROBES} moments over ${keptHours.toFixed(1)} h kept of ${HOURS} h recorded; ${processesSeen} processes a state`,
      },
      {
        metric: 'state at a random moment of the recording, p95',
        value: percentile(times, 95),
        unit: 'ms',
        target: '≤ 200 ms',
        note: '',
      },
      {
        metric: 'state at a random moment of the recording, max',
        value: Math.max(...times),
        unit: 'ms',
        target: '≤ 200 ms',
        note: '',
      },
      {
        metric: 'store size per hour of recording (synthetic churn)',
        value: mbPerHour,
        unit: 'MB/h',
        target: '≤ 50 MB/h',
        note: `${(range.bytes / 1e6).toFixed(0)} MB, ${range.keyframes} keyframes, ${PROCESSES} processes, ${perSecond} replaced a second, an exited event each`,
      },
      {
        metric: 'open (index rebuilt from frame heads)',
        value: openMs,
        unit: 'ms',
        target: '',
        note: `${keptHours.toFixed(1)} h of frames`,
      },
      {
        metric: 'newest 1,000 zombie events over the whole recording (none there)',
        value: eventsMs,
        unit: 'ms',
        target: '',
        note: `type masks skip every frame; ${zombies.events.length} found`,
      },
      {
        metric: 'writing a frame (bench loop, no fsync)',
        value: (writeSeconds * 1000) / seconds,
        unit: 'ms',
        target: '',
        note: 'JSON, deflate and write of one second of ticks',
      },
    ];
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      OUT,
      `${JSON.stringify({ title: `history: ${HOURS} h of ${PROCESSES} processes at 1% churn a second`, rows }, null, 2)}\n`,
    );
    for (const r of rows) console.log(`${r.metric}: ${r.value.toFixed(2)} ${r.unit} ${r.note}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
