import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ppidOf, stateOf } from '../helpers/proc.js';

export { ppidOf, stateOf };

export const TOKEN = 'actions-test-token-0123456789';

export interface TestAgent {
  app: FastifyInstance;
  auditFile: string;
  close(): Promise<void>;
}

/** The real agent in this process (not listening), with its own token and audit file. */
export async function startAgent(env: Record<string, string> = {}): Promise<TestAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'pidscope-actions-'));
  const auditFile = join(dir, 'audit.jsonl');
  const config = loadConfig([], {
    PIDSCOPE_TOKEN: TOKEN,
    PIDSCOPE_AUDIT_FILE: auditFile,
    PIDSCOPE_DATA_DIR: dir,
    PIDSCOPE_INTERVAL_MS: '250',
    ...env,
  });
  // The first scan can take seconds on a machine busy with other live tests.
  const app = await buildApp({ config }, { pluginTimeout: 120_000 });
  await app.ready();
  return {
    app,
    auditFile,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const auth = { authorization: `Bearer ${TOKEN}` };

/** Field 22 of a /proc/<pid>/stat text: the start time, in clock ticks since boot. */
function startTimeIn(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** Start time (clock ticks since boot) of a PID, from /proc/<pid>/stat field 22. */
export function startTimeOf(pid: number): number {
  return startTimeIn(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * Whether the process (pid, start time) is gone: its PID is free or names a later process. One
 * read, so a process that exits while it is checked is gone, not an error.
 */
export function isGone(pid: number, startTime: number): boolean {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return true;
    throw err;
  }
  return startTimeIn(text) !== startTime;
}

/** A live process this test owns: alive means it runs and has not been signalled. */
export function isAlive(child: ChildProcess): boolean {
  const pid = child.pid as number;
  return (
    child.exitCode === null &&
    child.signalCode === null &&
    existsSync(`/proc/${pid}`) &&
    stateOf(pid) !== 'Z'
  );
}

export function spawnVictim(args: string[] = ['sleep', '1000']): ChildProcess {
  const child = spawn(args[0] as string, args.slice(1), { stdio: 'ignore' });
  if (!child.pid) throw new Error(`could not spawn ${args.join(' ')}`);
  return child;
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The direct children of a PID, from /proc (a zombie included). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (ppidOf(Number(name)) === pid) out.push(Number(name));
  }
  return out;
}

export const docker = new Docker();

export async function removeContainersLabelled(label: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}
