import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pidfdSupport, readPidStat, signalProcess } from '../../src/index.js';
import {
  docker,
  MANAGED_LABEL,
  ProcessPool,
  stateOf,
  TEST_LABEL,
  uniqueTestId,
  waitFor,
} from '../support/live.js';

const pool = new ProcessPool();
afterEach(() => pool.stopAll());

const SIGTERM = 15;
const SIGKILL = 9;

function exitOf(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

function startTimeOf(pid: number): number {
  const stat = readPidStat(pid);
  if (!stat) throw new Error(`${pid} is gone`);
  return stat.startTime;
}

/**
 * Starts `sleep` with exactly PID `pid`: as root, /proc/sys/kernel/ns_last_pid sets the PID the
 * next fork gets (what CRIU does). Another fork on the machine may take it first: retried.
 */
async function sleeperWithPid(pid: number): Promise<ChildProcess> {
  for (let attempt = 0; attempt < 50; attempt++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = pool.start('sleep', ['60']);
    if (child.pid === pid) return child;
    child.kill('SIGKILL');
    await delay(20);
  }
  throw new Error(`PID ${pid} could not be taken again`);
}

describe('signals through pidfd, live', () => {
  it('uses pidfds on this kernel', () => {
    expect(pidfdSupport()).toEqual({ available: true, reason: null });
  });

  it('signals the process it was asked for', async () => {
    const child = pool.start('sleep', ['60']);
    const pid = child.pid as number;
    await waitFor('sleep to run', () => stateOf(pid) === 'S' || undefined);
    const exited = exitOf(child);
    expect(signalProcess(pid, startTimeOf(pid), SIGTERM)).toEqual({
      outcome: 'sent',
      via: 'pidfd',
      startTime: startTimeOf(pid),
    });
    expect(await exited).toBe('SIGTERM');
  });

  it('sends nothing when the start time is not the one asked for', async () => {
    const pid = pool.start('sleep', ['60']).pid as number;
    const start = startTimeOf(pid);
    expect(signalProcess(pid, start + 1, SIGKILL)).toEqual({
      outcome: 'reused',
      via: 'pidfd',
      startTime: start,
    });
    await delay(100);
    expect(stateOf(pid)).toBe('S');
  });

  it('reports a process that is gone', async () => {
    const child = pool.start('sleep', ['60']);
    const pid = child.pid as number;
    const start = startTimeOf(pid);
    const exited = exitOf(child);
    child.kill('SIGKILL');
    await exited;
    expect(signalProcess(pid, start, SIGTERM)).toMatchObject({ outcome: 'gone', via: 'pidfd' });
  });

  it('never signals a reused PID: the new process with another start time survives', async () => {
    const first = pool.start('sleep', ['60']);
    const pid = first.pid as number;
    const firstStart = startTimeOf(pid);
    const exited = exitOf(first);
    first.kill('SIGKILL');
    await exited;
    // Start times count clock ticks (10 ms): the next process must start in a later one.
    await delay(30);
    const second = await sleeperWithPid(pid);
    const secondStart = startTimeOf(pid);
    expect(secondStart).not.toBe(firstStart);

    expect(signalProcess(pid, firstStart, SIGKILL)).toEqual({
      outcome: 'reused',
      via: 'pidfd',
      startTime: secondStart,
    });
    await delay(100);
    expect(second.exitCode).toBeNull();
    expect(stateOf(pid)).toBe('S');
  });

  it('refuses what is not a PID', () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) {
      expect(() => signalProcess(pid, 0, SIGTERM)).toThrow(RangeError);
    }
  });

  it('falls back to a start-time check and kill(2) where the pidfd syscalls are missing', () => {
    // A seccomp profile that answers ENOSYS to both, as a kernel before 5.3 would, around a node
    // of the agent's own image (apps/agent/src/docker/images.ts builds it) running this package.
    const repo = fileURLToPath(new URL('../../../..', import.meta.url));
    const scratch = mkdtempSync(join(tmpdir(), 'pidscope-seccomp-'));
    const profile = join(scratch, 'no-pidfd.json');
    writeFileSync(
      profile,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['pidfd_open', 'pidfd_send_signal'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        ],
      }),
    );
    try {
      const out = docker(
        'run',
        '--rm',
        '--network',
        'none',
        '--label',
        `${MANAGED_LABEL}=true`,
        '--label',
        `${TEST_LABEL}=${uniqueTestId('no-pidfd')}`,
        '--security-opt',
        `seccomp=${profile}`,
        '-v',
        `${repo}:${repo}:ro`,
        '-w',
        join(repo, 'packages/procfs'),
        'pidscope/node:local',
        'node',
        '--import',
        'tsx',
        'test/support/signalProbe.ts',
      );
      const result = JSON.parse(out.split('\n').at(-1) as string);
      expect(result.support).toEqual({
        available: false,
        reason: 'the kernel has no pidfd_open (Linux 5.3 or later needed)',
      });
      expect(result.reused).toMatchObject({ outcome: 'reused', via: 'kill' });
      expect(result.sent).toMatchObject({ outcome: 'sent', via: 'kill' });
      expect(result.signal).toBe('SIGTERM');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
