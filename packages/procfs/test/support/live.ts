/**
 * Helpers that create real processes, namespaces and containers for live tests and for the
 * fixture capture script. Everything they start is tracked and stopped by PID or by label.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export const BUSYBOX_IMAGE = 'pidscope/busybox:local';
export const MANAGED_LABEL = 'io.pidscope.managed';
export const TEST_LABEL = 'io.pidscope.test';

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`, { cause: lastError });
    }
    await delay(50);
  }
}

/** Children of `pid` (all its threads' children), from /proc/<pid>/task/<tid>/children. */
export function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      for (const c of text.trim().split(' ')) if (c) out.push(Number(c));
    }
    return out;
  } catch {
    return [];
  }
}

/** Every process below `pid` (children, grandchildren, …), parents before their children. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const child of childrenOf(pid)) out.push(child, ...descendants(child));
  return out;
}

/** State letter of `pid` from its stat (after the last ')'), or undefined when gone. */
export function stateOf(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.charAt(text.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

/** Processes started through `start()`, killed by PID in `stopAll()` (never by name). */
export class ProcessPool {
  readonly #children: ChildProcess[] = [];
  readonly #extra = new Set<number>();

  /**
   * `env` replaces the inherited environment and starts the process in `/` (a shell exports its
   * working directory as PWD): the fixture capture must not copy this machine's.
   */
  start(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(command, args, { stdio: 'ignore', ...(env ? { env, cwd: '/' } : {}) });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.on('error', () => {});
    this.#children.push(child);
    return child;
  }

  /** Also kill `pid` (a grandchild) on stopAll. */
  track(pid: number): void {
    this.#extra.add(pid);
  }

  /** Kills every process started, the ones tracked, and all their descendants, by PID. */
  stopAll(): void {
    const roots = [...this.#extra, ...this.#children.map((c) => c.pid as number)];
    const all = new Set<number>();
    const walk = (pid: number) => {
      if (all.has(pid)) return;
      all.add(pid);
      for (const child of childrenOf(pid)) walk(child);
    };
    for (const pid of roots) walk(pid);
    for (const pid of all) kill(pid);
    this.#extra.clear();
    this.#children.length = 0;
  }
}

function kill(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs the docker CLI and returns trimmed stdout. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** Fails clearly when the local test image is missing (no registry on these machines). */
export function requireBusyboxImage(): void {
  try {
    docker('image', 'inspect', '--format', '{{.Id}}', BUSYBOX_IMAGE);
  } catch {
    throw new Error(
      `${BUSYBOX_IMAGE} is missing: build it with \`node apps/agent/dist/docker/imagesCli.js\` (npm test at the root does)`,
    );
  }
}

/** `docker run -d` with the managed label and `io.pidscope.test=<testId>`; returns the full id. */
export function runContainer(
  testId: string,
  args: readonly string[],
  command: readonly string[],
): string {
  return docker(
    'run',
    '-d',
    '--network',
    'none',
    '--label',
    `${MANAGED_LABEL}=true`,
    '--label',
    `${TEST_LABEL}=${testId}`,
    ...args,
    BUSYBOX_IMAGE,
    ...command,
  );
}

/** Removes every container carrying `io.pidscope.test=<testId>`. */
export function removeContainers(testId: string): void {
  const ids = docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${testId}`)
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) docker('rm', '-f', ...ids);
}

/** Host PID of a container's PID 1, from `docker inspect`. */
export function containerPid(id: string): number {
  return Number(docker('inspect', '--format', '{{.State.Pid}}', id));
}

/** A unique test id for labels. */
export function uniqueTestId(name: string): string {
  return `procfs-${name}-${process.pid}-${Date.now().toString(36)}`;
}
