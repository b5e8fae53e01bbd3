// Three small nodes made here: each agent in a network namespace of its own (a veth pair to this
// namespace, addresses assigned here) and a PID namespace of its own (`unshare --pid --fork
// --mount-proc`), serving TLS; the hub reaches them over those links, verifying against a CA made
// for the test. One agent is listed twice, and one address answers nothing.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FleetZombiesResponse, HostsResponse, State } from '@pidscope/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, HUB_TOKEN, readAudit, startHub, type TestHub, waitFor } from '../support/hub.js';

const AGENT_MAIN = join(import.meta.dirname, '..', '..', '..', 'agent', 'dist', 'main.js');
const AGENT_TOKEN = 'netns-agent-token-0123456789';
const run = Math.floor(Math.random() * 0xffff)
  .toString(16)
  .padStart(4, '0');
/** RFC 2544's benchmarking range: never routed, and not the machine's own network. */
const subnet = (i: number) => `198.18.${200 + i}`;
const NODES = [0, 1, 2];
const ns = (i: number) => `pidscope-hub-${run}-${i}`;
/** Made in beforeAll: a file whose tests are all filtered out runs no hook to remove it. */
let dir = '';
const started = new Set<ChildProcess>();
const agents = new Map<number, ChildProcess>();
let hub: TestHub;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' }).toString();
const idOf = (i: number) => `${subnet(i)}.2-7070`;

function childOf(pid: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

function makeCerts(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  sh('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    join(dir, 'ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=pidscope test CA',
  ]);
  sh('openssl', [
    'req',
    ...ec,
    '-keyout',
    join(dir, 'agent.key'),
    '-out',
    join(dir, 'agent.csr'),
    '-subj',
    '/CN=pidscope agent',
  ]);
  writeFileSync(
    join(dir, 'ext.cnf'),
    `subjectAltName=${NODES.map((i) => `IP:${subnet(i)}.2`).join(',')}\n`,
  );
  sh('openssl', [
    'x509',
    '-req',
    '-in',
    join(dir, 'agent.csr'),
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-out',
    join(dir, 'agent.pem'),
    '-days',
    '1',
    '-extfile',
    join(dir, 'ext.cnf'),
  ]);
}

function makeNode(i: number): void {
  const [host, peer] = [`ph${run}${i}h`, `ph${run}${i}a`];
  sh('ip', ['netns', 'add', ns(i)]);
  sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
  sh('ip', ['link', 'set', peer, 'netns', ns(i)]);
  sh('ip', ['addr', 'add', `${subnet(i)}.1/24`, 'dev', host]);
  sh('ip', ['link', 'set', host, 'up']);
  const inNs = (...args: string[]) => sh('ip', ['netns', 'exec', ns(i), ...args]);
  inNs('ip', 'addr', 'add', `${subnet(i)}.2/24`, 'dev', peer);
  inNs('ip', 'link', 'set', peer, 'up');
  inNs('ip', 'link', 'set', 'lo', 'up');
}

/** The agent of node i, as PID 1 of a fresh PID namespace inside node i's network namespace. */
async function startNodeAgent(i: number): Promise<ChildProcess> {
  const child = track(
    spawn(
      'ip',
      [
        'netns',
        'exec',
        ns(i),
        'unshare',
        '--pid',
        '--fork',
        '--mount-proc',
        '--uts',
        '--kill-child',
        'sh',
        '-c',
        `hostname node-${i} && exec "${process.execPath}" "${AGENT_MAIN}"`,
      ],
      {
        env: {
          ...process.env,
          PIDSCOPE_HOST: `${subnet(i)}.2`,
          PIDSCOPE_PORT: '7070',
          PIDSCOPE_TOKEN: AGENT_TOKEN,
          PIDSCOPE_TLS_CERT: join(dir, 'agent.pem'),
          PIDSCOPE_TLS_KEY: join(dir, 'agent.key'),
          PIDSCOPE_AUDIT_FILE: join(dir, `audit-${i}.jsonl`),
          PIDSCOPE_DATA_DIR: join(dir, `data-${i}`),
          PIDSCOPE_INTERVAL_MS: '500',
          DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent ${i} did not listen in 30 s`)), 30_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.includes('pidscope listening on https://')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent ${i} exited (${code}) before listening`));
    });
  });
  agents.set(i, child);
  return child;
}

/** A command run inside node i's PID namespace (nsenter forks into it and waits). */
function inNode(i: number, command: string): ChildProcess {
  const unsharePid = agents.get(i)?.pid as number;
  const init = childOf(unsharePid);
  if (init === null) throw new Error(`node ${i} has no PID 1`);
  return track(
    spawn('nsenter', ['-t', String(init), '-p', '--', 'sh', '-c', command], { stdio: 'ignore' }),
  );
}

async function hosts(): Promise<HostsResponse> {
  return (await hub.get<HostsResponse>('/api/v1/hosts')).body;
}

async function snapshot(i: number): Promise<State> {
  return (await hub.get<State>(`/api/v1/hosts/${idOf(i)}/snapshot`)).body;
}

function cleanupNodes(prefix: string): void {
  for (const line of sh('ip', ['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name.startsWith(prefix)) sh('ip', ['netns', 'del', name]);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pidscope-netns-'));
  // Namespaces a crashed earlier run left behind.
  cleanupNodes('pidscope-hub-');
  makeCerts();
  for (const i of NODES) makeNode(i);
  for (const i of NODES) await startNodeAgent(i);
  const url = (i: number) => `https://${subnet(i)}.2:7070`;
  hub = await startHub(
    [
      '--agents',
      // Node 1 twice; .77 is on node 0's link but nobody has it: nothing ever answers there.
      [url(0), url(1), url(2), `${url(1)}/`, `https://${subnet(0)}.77:7070`].join(','),
      '--agent-token',
      AGENT_TOKEN,
      '--agent-ca',
      join(dir, 'ca.pem'),
      '--audit-file',
      join(dir, 'hub-audit.jsonl'),
    ],
    // The hub's own timings: a ping a second, down after 3 s of silence.
    { pingMs: 1_000, downAfterMs: 3_000, minBackoffMs: 250, maxBackoffMs: 1_000 },
  );
}, 120_000);

afterAll(async () => {
  await hub?.close();
  for (const child of started) child.kill('SIGKILL');
  await waitFor(() => started.size === 0, 'every process started here to exit').catch(
    () => undefined,
  );
  cleanupNodes(`pidscope-hub-${run}-`);
  rmSync(dir, { recursive: true, force: true });
});

describe('three nodes over real links with TLS', () => {
  test('three hosts up (one listed twice), the address that never answers down', async () => {
    const body = await waitFor(
      async () => {
        const r = await hosts();
        return r.hosts.filter((h) => h.status === 'up').length === 3 &&
          r.hosts.some((h) => h.status === 'down')
          ? r
          : null;
      },
      'three up and one down',
      20_000,
    );
    expect(body.hosts).toHaveLength(4);
    expect(body.hosts.map((h) => [h.id, h.status, h.hostname]).sort()).toEqual(
      [
        [idOf(0), 'up', 'node-0'],
        [idOf(1), 'up', 'node-1'],
        [idOf(2), 'up', 'node-2'],
        [`${subnet(0)}.77-7070`, 'down', null],
      ].sort(),
    );
    // Each node sees only its own PID namespace: the agent is its PID 1.
    const own = await snapshot(2);
    expect(own.processes.find((p) => p.pid === 1)?.comm).toBe('node');
    expect(own.processes.length).toBeLessThan(10);
  });

  test('a zombie made in one node is in that host’s summary and in the fleet’s zombies', async () => {
    inNode(1, 'sleep 0.2 & exec sleep 600');
    const zombies = await waitFor(
      async () => {
        const r = await hub.get<FleetZombiesResponse>('/api/v1/fleet/zombies');
        return r.body.zombies.length > 0 ? r.body : null;
      },
      'the zombie in the fleet',
      15_000,
    );
    expect(zombies.zombies.map((z) => [z.host, z.hostname, z.comm, z.parent?.comm])).toEqual([
      [idOf(1), 'node-1', 'sleep', 'sleep'],
    ]);
    const body = await hosts();
    const counts = Object.fromEntries(body.hosts.map((h) => [h.id, h.summary?.zombies ?? null]));
    expect(counts).toMatchObject({ [idOf(0)]: 0, [idOf(1)]: 1, [idOf(2)]: 0 });
  });

  test('a signal through the hub reaches that host’s process only, audited by the hub and that agent', async () => {
    const sleepers = NODES.map((i) => inNode(i, 'exec sleep 601'));
    const found = await waitFor(
      async () => {
        const all = await Promise.all(NODES.map(snapshot));
        const s = all.map((st) => st.processes.find((p) => p.cmdline.join(' ') === 'sleep 601'));
        return s.every(Boolean) ? s : null;
      },
      'a sleeper in every node',
      15_000,
    );
    const target = found[2] as State['processes'][number];
    const exited = new Promise<void>((resolve) => sleepers[2]?.once('exit', () => resolve()));
    const res = await fetch(
      `${hub.origin}/api/v1/hosts/${idOf(2)}/processes/${target.pid}/signal`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${HUB_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ signal: 'SIGTERM', startTime: target.startTime }),
      },
    );
    expect(res.status, await res.text()).toBe(200);
    await exited;
    // The other nodes' sleepers live on, whatever PIDs they have in their own namespaces.
    expect(sleepers[0]?.exitCode).toBeNull();
    expect(sleepers[1]?.exitCode).toBeNull();
    for (const i of [0, 1]) {
      const st = await snapshot(i);
      expect(st.processes.some((p) => p.cmdline.join(' ') === 'sleep 601')).toBe(true);
    }
    const hubLine = readAudit(join(dir, 'hub-audit.jsonl')).find((e) => e.action === 'signal');
    expect(hubLine).toMatchObject({
      target: { pid: target.pid, startTime: target.startTime },
      status: 200,
      detail: { host: idOf(2), hostname: 'node-2' },
    });
    const agentLine = await waitFor(
      () => readAudit(join(dir, 'audit-2.jsonl')).find((e) => e.action === 'signal'),
      'node 2’s audit line',
    );
    expect(agentLine).toMatchObject({ status: 200, via: `hub ${hubLine?.actor}` });
    expect(readAudit(join(dir, 'audit-0.jsonl')).filter((e) => e.action === 'signal')).toEqual([]);
    expect(readAudit(join(dir, 'audit-1.jsonl')).filter((e) => e.action === 'signal')).toEqual([]);
  });

  test('a killed agent is down within 5 s while the others keep streaming; started again, it is back', async () => {
    const watching = collect(hub.socket(`/api/v1/hosts/${idOf(2)}/stream`));
    await waitFor(() => watching.messages.length >= 2, 'node 2’s stream');
    const killedAt = Date.now();
    agents.get(0)?.kill('SIGKILL');
    await waitFor(
      async () => (await hosts()).hosts.find((h) => h.id === idOf(0))?.status === 'down',
      'node 0 down',
      5_000,
    );
    const heardBefore = watching.messages.length;
    const body = await hosts();
    expect(body.hosts.find((h) => h.id === idOf(0))?.since).toBeLessThanOrEqual(killedAt + 5_000);
    for (const i of [1, 2]) expect(body.hosts.find((h) => h.id === idOf(i))?.status).toBe('up');
    // Node 2's browsers still get its patches.
    await waitFor(() => watching.messages.length > heardBefore, 'more of node 2’s stream');

    await startNodeAgent(0);
    const back = await waitFor(
      async () => {
        const r = await hosts();
        const h = r.hosts.find((x) => x.id === idOf(0));
        return h?.status === 'up' ? h : null;
      },
      'node 0 back up',
      15_000,
    );
    expect(back.hostname).toBe('node-0');
    expect(back.summary?.processes).toBeGreaterThan(0);
  });
});
