// A hub on 127.0.0.1 for tests, with short timings, and small states to feed synthetic agents.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry, Container, Process, State } from '@pidscope/protocol';
import { TEST_HOST_PID_NS, TEST_NAMESPACES, testProcess } from '@pidscope/protocol/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll } from 'vitest';
import WebSocket from 'ws';
import { buildHub } from '../../src/app.js';
import { type HubConfig, loadHubConfig } from '../../src/config.js';
import type { UpstreamOptions } from '../../src/fleet/upstream.js';

export const HUB_TOKEN = 'hub-test-token-0123456789';

export interface TestHub {
  app: FastifyInstance;
  config: HubConfig;
  origin: string;
  /** Authenticated JSON GET. */
  get<T>(path: string): Promise<{ status: number; body: T }>;
  /** A WebSocket to the hub, with the token. */
  socket(path: string): WebSocket;
  close(): Promise<void>;
}

const auditDirs: string[] = [];
afterAll(() => {
  for (const dir of auditDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * `--audit-file` in a fresh directory (removed after the file's last test) unless the test gives
 * one: the default, .pidscope/hub-audit.jsonl under the working directory, would outlive it.
 */
function auditArgs(argv: readonly string[]): string[] {
  if (argv.includes('--audit-file')) return [];
  const dir = mkdtempSync(join(tmpdir(), 'pidscope-hub-audit-'));
  auditDirs.push(dir);
  return ['--audit-file', join(dir, 'hub-audit.jsonl')];
}

export async function startHub(
  argv: string[],
  upstream: Partial<UpstreamOptions> = {},
): Promise<TestHub> {
  const config = loadHubConfig(
    [
      '--port',
      '0',
      '--token',
      HUB_TOKEN,
      '--discovery-interval-ms',
      '300',
      ...auditArgs(argv),
      ...argv,
    ],
    {},
  );
  const app = await buildHub({
    config,
    upstream: {
      pingMs: 250,
      downAfterMs: 1_500,
      minBackoffMs: 100,
      maxBackoffMs: 500,
      ...upstream,
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    origin,
    async get<T>(path: string) {
      const res = await fetch(`${origin}${path}`, {
        headers: { authorization: `Bearer ${HUB_TOKEN}` },
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    socket(path: string) {
      return new WebSocket(`ws://127.0.0.1:${port}${path}`, {
        headers: { authorization: `Bearer ${HUB_TOKEN}` },
      });
    },
    close: () => app.close(),
  };
}

/** Polls until `check` answers something truthy, or fails after `ms` naming what it waited for. */
export async function waitFor<T>(
  check: () => T,
  what: string,
  ms = 10_000,
): Promise<Exclude<Awaited<T>, null | undefined | false>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as Exclude<Awaited<T>, null | undefined | false>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Messages a socket receives, parsed, as they arrive. */
export function collect(ws: WebSocket): { messages: { type: string; [k: string]: unknown }[] } {
  const out = { messages: [] as { type: string; [k: string]: unknown }[] };
  ws.on('message', (data: Buffer) => out.messages.push(JSON.parse(data.toString('utf8'))));
  return out;
}

/** A process of the small test hosts: `testProcess`, with PID 1 an init under no parent. */
export function proc(pid: number, over: Partial<Process> = {}): Process {
  return testProcess({
    pid,
    ...(pid === 1 ? { ppid: 0, comm: 'init', cmdline: ['/sbin/init'] } : {}),
    ...over,
  });
}

export function container(id: string, over: Partial<Container> = {}): Container {
  return {
    id,
    name: `c-${id.slice(0, 4)}`,
    image: 'pidscope/busybox:local',
    state: 'running',
    runtime: 'docker',
    initPid: null,
    hasInit: false,
    pidNamespace: 4026532500,
    sharesPidNamespaceWith: [],
    hostPidNamespace: false,
    execs: [],
    namespaces: TEST_NAMESPACES,
    pidsCurrent: 5,
    pidsMax: 100,
    forkFailures: 0,
    pidsPeak: null,
    labels: {},
    etaSeconds: null,
    ...over,
  };
}

/** A small host: init and a few sleepers, in the protocol's order. */
export function hostState(
  hostname: string,
  seq: number,
  processes: Process[] = [proc(1), proc(10), proc(11)],
  containers: Container[] = [],
): State {
  const sorted = [...processes].sort((a, b) => a.pid - b.pid || a.startTime - b.startTime);
  const zombies = sorted.filter((p) => p.state === 'Z').length;
  return {
    seq,
    host: {
      hostname,
      pidMax: 32768,
      threadsMax: 100_000,
      tasks: 200 + sorted.length,
      processes: sorted.length,
      zombies,
      kernelThreads: 0,
      headroom: 32468 - 200 - sorted.length,
      etaSeconds: null,
      namespaces: TEST_NAMESPACES,
      pidNamespace: TEST_HOST_PID_NS,
      source: 'proc-connector',
      sourceReason: null,
    },
    docker: { available: false, reason: 'no docker here', version: null },
    containers: [...containers].sort((a, b) => (a.id < b.id ? -1 : 1)),
    processes: sorted,
  };
}

/** The lines of a JSON-lines audit file (none while it does not exist yet). */
export function readAudit(file: string): AuditEntry[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEntry);
  } catch {
    return [];
  }
}
