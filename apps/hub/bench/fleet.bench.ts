// The hub under a fleet: 50 synthetic agents that speak the real protocol over real sockets, each
// with 3,000 processes at 1% churn a second (apps/web/bench/synthetic.mjs, one tick shared by all,
// staggered over the second), and one overview client on the fleet stream. Measures the hub's CPU
// and RSS (a child process, read from /proc), the overview's bytes per host per second, and how
// long a new zombie takes from its agent's patch to the overview.
// Run alone: `npm run bench -w @pidscope/hub`. Writes bench/results/hub.json at the root.
// BENCH_HUB_NODE_ARGS (e.g. `--trace-gc`) are given to the hub's node, and then the hub's output
// and each second's RSS are printed on stderr, to see what the RSS is made of.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseFleetMessage } from '@pidscope/protocol';
import WebSocket from 'ws';
import { createSyntheticHost } from '../../web/bench/synthetic.mjs';
import { SyntheticAgent } from '../test/support/syntheticAgent.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const PROCESSES = 3_000;
const WARMUP_S = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
const MEASURE_S = Number(process.env.BENCH_SECONDS ?? 60);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const HUB_MAIN = join(ROOT, 'apps', 'hub', 'dist', 'main.js');
const TOKEN = 'bench-hub-token-0123456789';
const AGENT_TOKEN = 'bench-agent-token-0123456789';
const NODE_ARGS = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
const trace = (text: string | Buffer) => {
  if (NODE_ARGS.length > 0) process.stderr.write(text);
};

/** USER_HZ: /proc's CPU times are in these ticks. */
const ticksPerSecond = 100;
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

const source = createSyntheticHost({ processes: PROCESSES, containers: 24, seed: 7 });
const first = source.state();
const agents: SyntheticAgent[] = [];
for (let i = 0; i < AGENTS; i++) {
  const a = new SyntheticAgent({
    hostname: `bench-${String(i).padStart(2, '0')}`,
    state: first,
    token: AGENT_TOKEN,
  });
  await a.start();
  agents.push(a);
}

const hub = spawn(process.execPath, [...NODE_ARGS, HUB_MAIN], {
  env: {
    ...process.env,
    PIDSCOPE_HOST: '127.0.0.1',
    PIDSCOPE_PORT: '0',
    PIDSCOPE_TOKEN: TOKEN,
    PIDSCOPE_AGENTS: agents.map((a) => a.url).join(','),
    PIDSCOPE_AGENT_TOKEN: AGENT_TOKEN,
    PIDSCOPE_AUDIT_FILE: '/dev/null',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const hubUrl = await new Promise<string>((resolve, reject) => {
  hub.stdout?.on('data', (d: Buffer) => {
    trace(d);
    const m = /pidscope hub listening on (http:\/\/\S+)/.exec(d.toString());
    if (m?.[1]) resolve(new URL(m[1]).origin);
  });
  hub.once('exit', (code) => reject(new Error(`the hub exited (${code})`)));
});
const hubPid = hub.pid as number;

// When each agent last sent a patch that added a zombie, by hostname.
const zombieSentAt = new Map<string, number>();
const zombiesSeen = new Map<string, number>();
const latencies: number[] = [];
let measuring = false;
let overviewBytes = 0;
const overview = new WebSocket(`${hubUrl.replace('http', 'ws')}/api/v1/fleet/stream`, {
  headers: { authorization: `Bearer ${TOKEN}` },
});
overview.on('message', (data: Buffer) => {
  if (measuring) overviewBytes += data.length;
  const msg = parseFleetMessage(data.toString('utf8'));
  const hosts = msg.type === 'hosts' ? msg.hosts : msg.type === 'host' ? [msg.host] : [];
  for (const h of hosts) {
    const name = h.hostname ?? h.id;
    const z = h.summary?.zombies ?? 0;
    const before = zombiesSeen.get(name) ?? z;
    zombiesSeen.set(name, z);
    const sent = zombieSentAt.get(name);
    if (measuring && z > before && sent !== undefined) {
      latencies.push(Date.now() - sent);
      zombieSentAt.delete(name);
    }
  }
});

// One tick a second, shared; each agent sends it at its own moment of the second.
let running = true;
const ticker = (async () => {
  let state = first;
  while (running) {
    const started = Date.now();
    const { state: next, events } = source.tick();
    const added = next.host.zombies > state.host.zombies;
    state = next;
    agents.forEach((a, i) => {
      setTimeout(
        () => {
          if (!running) return;
          a.publish(next, events);
          if (added) zombieSentAt.set(`bench-${String(i).padStart(2, '0')}`, Date.now());
        },
        (i * 1000) / AGENTS,
      );
    });
    await sleep(Math.max(0, 1000 - (Date.now() - started)));
  }
})();

await sleep(WARMUP_S * 1000);
const up = await (
  await fetch(`${hubUrl}/api/v1/hosts`, { headers: { authorization: `Bearer ${TOKEN}` } })
).json();
const hostList = (up as { hosts: { status: string; error: string | null }[] }).hosts;
const upCount = hostList.filter((h) => h.status === 'up').length;
const notUp = hostList.find((h) => h.status !== 'up');
measuring = true;
const cpu0 = cpuTicks(hubPid);
const t0 = Date.now();
const rss: number[] = [];
for (let s = 0; s < MEASURE_S; s++) {
  await sleep(1000);
  rss.push(rssMiB(hubPid));
  trace(`RSS ${rss.at(-1)?.toFixed(1)} MiB\n`);
}
const seconds = (Date.now() - t0) / 1000;
const cpuPercent = (100 * (cpuTicks(hubPid) - cpu0)) / ticksPerSecond / seconds;
measuring = false;
running = false;
await ticker;
overview.close();
hub.kill('SIGTERM');
for (const a of agents) await a.stop();

// A bench over hosts that are not up measures an idle hub: no result, and why.
if (notUp) {
  console.error(`${AGENTS - upCount} hosts not up, e.g.: ${notUp.status} ${notUp.error}`);
  process.exit(1);
}

const round = (x: number, d = 1) => Number(x.toFixed(d));
const result = {
  title: `hub: ${AGENTS} synthetic agents of ${PROCESSES} processes at 1% churn`,
  rows: [
    { metric: 'hosts up', value: upCount, unit: 'hosts', note: `of ${AGENTS}` },
    {
      metric: 'hub CPU',
      value: round(cpuPercent),
      unit: '% of one core',
      target: '≤ 10',
      note: `utime+stime of the hub process over ${round(seconds, 0)} s after ${WARMUP_S} s of warm-up`,
    },
    {
      metric: 'hub RSS, max',
      value: round(Math.max(...rss)),
      unit: 'MiB',
      target: '≤ 286 (300 MB)',
      note: `read each second: first ${round(rss[0] ?? Number.NaN)}, median ${round(quantile(rss, 0.5))} MiB`,
    },
    {
      metric: 'overview socket, per host',
      value: round(overviewBytes / seconds / AGENTS),
      unit: 'bytes/s',
      target: '≤ 2048',
      note: 'the fleet stream one overview receives, over the hosts',
    },
    {
      metric: 'zombie → overview, median',
      value: round(quantile(latencies, 0.5), 0),
      unit: 'ms',
      target: '≤ 1000',
      note: `${latencies.length} zombies: from the agent's patch to the host update on the fleet stream`,
    },
    { metric: 'zombie → overview, p95', value: round(quantile(latencies, 0.95), 0), unit: 'ms' },
    { metric: 'zombie → overview, max', value: round(Math.max(...latencies), 0), unit: 'ms' },
    {
      metric: 'machine load average (1 min)',
      value: round(loadavg()[0] ?? 0, 2),
      unit: 'load',
      note: 'the 50 synthetic agents run on the same 2 cores, in the bench process',
    },
  ],
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'hub.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
process.exit(0);
