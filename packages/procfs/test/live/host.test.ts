import { closeSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countProcesses,
  environValue,
  isRestricted,
  type ProcessRecord,
  ProcScanner,
  readHostHeadroom,
  readPidEnviron,
  readPidStatus,
  readPidTasks,
  readProcess,
  readProcSelf,
  signalMaskHas,
} from '../../src/index.js';
import { openOrNull, readFdIntoShared } from '../../src/readFile.js';
import { childrenOf, ProcessPool, stateOf, waitFor } from '../support/live.js';

const pool = new ProcessPool();
// Made in beforeAll: a file whose tests are all filtered out runs no hook to remove it.
let scratch = '';
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'pidscope-procfs-'));
});
afterAll(() => {
  pool.stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

function find(processes: readonly ProcessRecord[], pid: number): ProcessRecord | undefined {
  return processes.find((p) => p.pid === pid);
}

describe('live host processes', () => {
  it('lists the threads of a process by TID, none of them a process of its own', async () => {
    // Node with a V8 pool of three runs six threads (main, three V8 workers, two of its own).
    const pid = pool.start(process.execPath, [
      '--v8-pool-size=3',
      '-e',
      'setInterval(() => {}, 1000)',
    ]).pid as number;
    await waitFor('six threads', () => readdirSync(`/proc/${pid}/task`).length === 6 || undefined);
    const tasks = readPidTasks(pid) ?? [];
    expect(tasks.map((t) => t.tid)).toEqual(
      readdirSync(`/proc/${pid}/task`)
        .map(Number)
        .sort((a, b) => a - b),
    );
    expect(tasks[0]).toMatchObject({ tid: pid, nsTids: [pid], comm: 'node' });
    const scanner = new ProcScanner();
    const listed = new Set(scanner.scan().processes.map((p) => p.pid));
    scanner.close();
    expect(tasks.filter((t) => listed.has(t.tid)).map((t) => t.tid)).toEqual([pid]);
  });

  it('finds a real zombie with state Z under the parent that never waits', async () => {
    const scanner = new ProcScanner();
    scanner.scan();
    // sh backgrounds `sleep 0`, then execs `sleep 600`, which never calls wait().
    const parent = pool.start('sh', ['-c', 'sleep 0 & exec sleep 600']).pid as number;
    const zombie = await waitFor('a zombie child', () =>
      childrenOf(parent).find((c) => stateOf(c) === 'Z'),
    );
    const { processes } = scanner.scan();
    expect(find(processes, zombie)).toMatchObject({
      pid: zombie,
      ppid: parent,
      state: 'Z',
      comm: 'sleep',
      cmdline: [],
      kernelThread: false,
      nsPids: [zombie],
      containerId: null,
    });
    expect(find(processes, parent)).toMatchObject({ state: 'S', cmdline: ['sleep', '600'] });
    expect(readProcess(zombie)).toMatchObject({ state: 'Z', ppid: parent });
    // A fresh full scan agrees with the incremental one.
    const fresh = new ProcScanner();
    expect(find(fresh.scan().processes, zombie)).toEqual(find(processes, zombie));
    fresh.close();

    const headroom = readHostHeadroom('/proc', countProcesses(processes));
    expect(headroom.pidMax).toBe(Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')));
    expect(headroom.threadsMax).toBe(Number(readFileSync('/proc/sys/kernel/threads-max', 'utf8')));
    expect(headroom.zombies).toBeGreaterThanOrEqual(1);
    expect(headroom.headroom).toBe(
      Math.min(headroom.pidMax - 300, headroom.threadsMax) - headroom.tasks,
    );
    scanner.close();
  });

  it('keeps an unchanged record as the same object, and re-reads cmdline after an exec', async () => {
    const scanner = new ProcScanner();
    const steady = pool.start('sleep', ['600']).pid as number;
    const marker = join(scratch, 'exec-now');
    const pid = pool.start('sh', [
      '-c',
      `while [ ! -e ${marker} ]; do sleep 0.05; done; exec sleep 601`,
    ]).pid as number;
    await waitFor('sleep running', () => (stateOf(steady) === 'S' ? true : undefined));
    const first = scanner.scan().processes;
    const second = scanner.scan().processes;
    expect(find(second, steady)).toBe(find(first, steady));
    const before = find(second, pid);
    expect(before).toMatchObject({ comm: 'sh', cmdline: ['sh', '-c', expect.any(String)] });

    writeFileSync(marker, '');
    const after = await waitFor('the exec', () => {
      const p = find(scanner.scan().processes, pid);
      return p?.comm === 'sleep' ? p : undefined;
    });
    expect(after.startTime).toBe(before?.startTime);
    expect(after.cmdline).toEqual(['sleep', '601']);
    scanner.close();
  });

  it('re-reads cmdline after an exec that keeps the command name (sh exec sh)', async () => {
    const scanner = new ProcScanner();
    const marker = join(scratch, 'exec-sh');
    const pid = pool.start('sh', [
      '-c',
      `while [ ! -e ${marker} ]; do sleep 0.05; done; exec sh -c 'sleep 602; exit 0'`,
    ]).pid as number;
    const before = await waitFor('the shell', () => find(scanner.scan().processes, pid));
    expect(before.cmdline[2]).toContain('while');
    writeFileSync(marker, '');
    // dash is position-independent: the new image starts at a new address (ASLR).
    const after = await waitFor('the exec', () => {
      const p = find(scanner.scan().processes, pid);
      return p?.cmdline[2] === 'sleep 602; exit 0' ? p : undefined;
    });
    expect(after).toMatchObject({ comm: 'sh', startTime: before.startTime });
    scanner.close();
  });

  it('drops a process that exited, without error, and readProcess says null', async () => {
    const scanner = new ProcScanner();
    const child = pool.start('sleep', ['600']);
    const pid = child.pid as number;
    await waitFor('sleep running', () => (stateOf(pid) === 'S' ? true : undefined));
    expect(find(scanner.scan().processes, pid)).toBeDefined();
    child.kill('SIGKILL');
    await waitFor('reaped', () => (stateOf(pid) === undefined ? true : undefined));
    expect(find(scanner.scan().processes, pid)).toBeUndefined();
    expect(readProcess(pid)).toBeNull();
    scanner.close();
  });

  it('a held stat descriptor reads ESRCH (vanished) once its process is gone', async () => {
    // What rescans rely on: a descriptor pins its task, so a reused PID can never be misread.
    const child = pool.start('sleep', ['600']);
    const pid = child.pid as number;
    await waitFor('sleep running', () => (stateOf(pid) === 'S' ? true : undefined));
    const fd = openOrNull(`/proc/${pid}/stat`) as number;
    try {
      expect(readFdIntoShared(fd, 'stat')).toBeGreaterThan(0);
      expect(readFdIntoShared(fd, 'stat')).toBeGreaterThan(0);
      child.kill('SIGKILL');
      await waitFor('reaped', () => (stateOf(pid) === undefined ? true : undefined));
      expect(readFdIntoShared(fd, 'stat')).toBe(-1);
    } finally {
      closeSync(fd);
    }
  });

  it('readProcess refuses a non-leader thread even though /proc/<tid> is readable', async () => {
    const pid = pool.start(process.execPath, ['-e', 'setInterval(() => {}, 1e6)']).pid as number;
    const tid = await waitFor('a second thread', () =>
      readdirSync(`/proc/${pid}/task`)
        .map(Number)
        .find((t) => t !== pid),
    );
    expect(readFileSync(`/proc/${tid}/stat`, 'utf8')).toContain(`${tid} (`);
    expect(readProcess(tid)).toBeNull();
    const leader = readProcess(pid);
    expect(leader).toMatchObject({ pid, comm: 'node' });
    expect(leader?.threads).toBeGreaterThan(1);
  });

  it('reads a cmdline larger than the read buffer whole', async () => {
    const long = 'x'.repeat(100_000);
    // The extra arguments become $0 and $1 of the shell, which stays alive while sleep runs.
    const holder = pool.start('sh', ['-c', 'sleep 600; exit 0', 'name', long]).pid as number;
    const record = await waitFor('the shell', () => readProcess(holder) ?? undefined);
    expect(record.cmdline).toEqual(['sh', '-c', 'sleep 600; exit 0', 'name', long]);
  });

  it('gives every process of the host namespace its inode, PID 1 too', () => {
    // Under some inits even root may not readlink /proc/1/ns/pid; one NSpid level says enough.
    const scanner = new ProcScanner();
    const { processes } = scanner.scan();
    scanner.close();
    const hostNs = find(processes, 2)?.pidNs;
    expect(hostNs).toEqual(expect.any(Number));
    expect(find(processes, 1)?.pidNs).toBe(hostNs);
    expect(find(processes, process.pid)?.pidNs).toBe(hostNs);
  });

  it('reads the kernel thread kthreadd by PF_KTHREAD', () => {
    expect(readProcess(2)).toMatchObject({
      pid: 2,
      ppid: 0,
      comm: 'kthreadd',
      kernelThread: true,
      cmdline: [],
    });
  });

  it('reads environ and the SIG_IGN an exec keeps; none for PID 1 (restricted) or a zombie', async () => {
    const pid = pool.start('sh', ['-c', "trap '' TERM; exec sleep 600"], {
      PATH: '/usr/bin:/bin',
      PIDSCOPE_LIVE: 'a=b',
    }).pid as number;
    const status = await waitFor('the exec', () => {
      const s = readPidStatus(pid);
      return s?.name === 'sleep' ? s : undefined;
    });
    expect(signalMaskHas(status.sigIgn, 15)).toBe(true);
    expect(signalMaskHas(status.sigCgt, 15)).toBe(false);
    const environ = readPidEnviron(pid);
    expect(environValue(environ ?? [], 'PIDSCOPE_LIVE')).toBe('a=b');
    expect(environ).toContain('PATH=/usr/bin:/bin');

    let restricted: unknown;
    try {
      readPidEnviron(1);
    } catch (err) {
      restricted = err;
    }
    expect(isRestricted(restricted)).toBe(true);

    const parent = pool.start('sh', ['-c', 'sleep 0 & exec sleep 600']).pid as number;
    const zombie = await waitFor('a zombie child', () =>
      childrenOf(parent).find((c) => stateOf(c) === 'Z'),
    );
    expect(readPidEnviron(zombie)).toBeNull();
    expect(readProcSelf()).toBe(process.pid);
  });
});
