// Starts and stops a real agent (apps/agent/dist/main.js) as a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AGENT_MAIN, HUB_MAIN, LOG_DIR } from './paths.js';
import { startTimeOf } from './proc.js';

const LISTEN_LINE = /pidscope (?:hub )?listening on (http:\/\/\S+)/;

export interface AgentOptions {
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /**
   * The agent's default, 1000 ms. At 500 ms a tree of ~3,000 processes on this shared 2-core
   * machine keeps Chromium's main thread busy with patches and the page stops answering input
   * (see bench/results/web.json: ~600 ms main-thread time per patch).
   */
  intervalMs?: number;
  /** Names the log file under e2e/logs/. */
  name: string;
  /** Where it records history; a fresh directory (removed by stop) when not given. */
  dataDir?: string;
  /** Starts a hub (apps/hub) over these agents instead of an agent. */
  hub?: { agents: string; agentToken: string };
}

export interface Agent {
  pid: number;
  startTime: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  token: string;
  /** The URL the agent printed, with `?token=`. */
  url: string;
  stop(): Promise<void>;
}

export function newToken(): string {
  return randomBytes(16).toString('hex');
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const main = opts.hub ? HUB_MAIN : AGENT_MAIN;
  if (!existsSync(main)) {
    throw new Error(`${main} is missing: build first (npm run build)`);
  }
  const token = opts.token ?? newToken();
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(join(LOG_DIR, `agent-${opts.name}.log`), { flags: 'a' });
  const ownDataDir = opts.dataDir ? null : mkdtempSync(join(tmpdir(), 'pidscope-e2e-'));
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PIDSCOPE_HOST: '127.0.0.1',
      PIDSCOPE_PORT: String(opts.port ?? 0),
      PIDSCOPE_TOKEN: token,
      PIDSCOPE_AUDIT_FILE: join(LOG_DIR, `audit-${opts.name}.jsonl`),
      ...(opts.hub
        ? { PIDSCOPE_AGENTS: opts.hub.agents, PIDSCOPE_AGENT_TOKEN: opts.hub.agentToken }
        : {
            PIDSCOPE_INTERVAL_MS: String(opts.intervalMs ?? 1000),
            PIDSCOPE_DATA_DIR: opts.dataDir ?? (ownDataDir as string),
          }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.pipe(log, { end: false });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the agent did not start');

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the agent printed no listen line in 30 s')),
      30_000,
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      const m = LISTEN_LINE.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the agent exited (${code ?? signal}) before listening; see e2e/logs`));
    });
  });
  const parsed = new URL(url);
  // Every browser test runs against the event source, the agent's way on a host like this one
  // (a hub reads no /proc: it has no source).
  const health = (await (await fetch(`${parsed.origin}/healthz`)).json()) as {
    source: string;
    sourceReason: string | null;
  };
  if (!opts.hub && health.source !== 'proc-connector') {
    child.kill('SIGKILL');
    throw new Error(`the agent polls instead of hearing process events: ${health.sourceReason}`);
  }
  return {
    pid,
    startTime: startTimeOf(pid),
    origin: parsed.origin,
    port: Number(parsed.port),
    token,
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await waitExit(child, 15_000))) {
          child.kill('SIGKILL');
          await waitExit(child, 5_000);
        }
        log.end();
      }
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}

/** Authenticated JSON request to an agent. */
export async function api<T>(
  agent: Pick<Agent, 'origin' | 'token'>,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const res = await fetch(`${agent.origin}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${agent.token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
