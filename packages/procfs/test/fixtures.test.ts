import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CgroupReader,
  countProcesses,
  HostHeadroomReader,
  maxProcesses,
  type ProcessRecord,
  ProcScanner,
  readHostHeadroom,
  readPidEnviron,
  readPidLimits,
  readPidStatus,
  readProcess,
  readStat,
  signalMaskHas,
} from '../src/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const root = join(fixtures, 'proc');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
  roles: {
    kernelThread: number;
    hostZombie: { pid: number; parent: number };
    weirdComm: { pid: number; comm: string };
    multiThreaded: number;
    signals: { pid: number; ignored: string; caught: string; pending: string };
    environ: { pid: number; entries: string[] };
    nested: { outer: number; levelOneInit: number; innermost: number; nsPids: number[] };
    container: {
      id: string;
      init: number;
      zombie: number;
      zombieNsPids: number[];
      pidsLimit: number;
    };
  };
  records: ProcessRecord[];
};
const { roles } = expected;

function scanFixtures(): Map<number, ProcessRecord> {
  const scanner = new ProcScanner({ root, pageSize: 4096 });
  try {
    const result = scanner.scan();
    expect(result.vanished).toBe(0);
    return new Map(result.processes.map((p) => [p.pid, p]));
  } finally {
    scanner.close();
  }
}

describe('captured /proc tree', () => {
  const byPid = scanFixtures();
  const get = (pid: number) => {
    const p = byPid.get(pid);
    if (!p) throw new Error(`pid ${pid} missing from the scan`);
    return p;
  };

  it('reads exactly the expected records', () => {
    expect([...byPid.values()].sort((a, b) => a.pid - b.pid)).toEqual(expected.records);
  });

  it('reads every record the same way through readProcess', () => {
    // readProcess uses the running kernel's page size; rss is compared through the scanner.
    for (const record of expected.records) {
      const one = readProcess(record.pid, root);
      expect(one).toEqual({ ...record, rssBytes: one?.rssBytes });
    }
  });

  it('keeps the kernel thread, flagged by PF_KTHREAD, with no argv', () => {
    expect(get(roles.kernelThread)).toMatchObject({ kernelThread: true, ppid: 0, cmdline: [] });
    expect([...byPid.values()].filter((p) => p.kernelThread).map((p) => p.pid)).toEqual([
      roles.kernelThread,
    ]);
  });

  it('keeps the host zombie with its parent and an empty cmdline', () => {
    expect(get(roles.hostZombie.pid)).toMatchObject({
      state: 'Z',
      ppid: roles.hostZombie.parent,
      cmdline: [],
      containerId: null,
    });
  });

  it('reads a command name with spaces, parentheses and a newline', () => {
    expect(get(roles.weirdComm.pid).comm).toBe(roles.weirdComm.comm);
    expect(get(roles.weirdComm.pid).state).toBe('S');
  });

  it('counts the threads of a multi-threaded process', () => {
    expect(get(roles.multiThreaded).threads).toBeGreaterThan(1);
  });

  it('gives the whole NSpid chain of a two-level nested namespace, host first', () => {
    const inner = get(roles.nested.innermost);
    expect(inner.nsPids).toEqual(roles.nested.nsPids);
    expect(inner.nsPids).toHaveLength(3);
    expect(inner.nsPids[0]).toBe(inner.pid);
    expect(inner.nsPids.at(-1)).toBe(1);
    const levelOne = get(roles.nested.levelOneInit);
    expect(levelOne.nsPids).toEqual([levelOne.pid, 1]);
    const hostNs = get(roles.nested.outer).pidNs;
    expect(new Set([hostNs, levelOne.pidNs, inner.pidNs]).size).toBe(3);
  });

  it('attributes the container init and its zombie (v1 lines read /) to the container', () => {
    const init = get(roles.container.init);
    const zombie = get(roles.container.zombie);
    expect(init).toMatchObject({
      containerId: roles.container.id,
      runtime: 'docker',
      nsPids: [init.pid, 1],
    });
    expect(zombie).toMatchObject({
      state: 'Z',
      ppid: init.pid,
      containerId: roles.container.id,
      runtime: 'docker',
      nsPids: roles.container.zombieNsPids,
      pidsCgroup: '/',
      unifiedCgroup: `/docker/${roles.container.id}`,
    });
    expect(zombie.pidNs).toBe(init.pidNs);
  });

  it('reads the container pids cgroup, also through its zombie', () => {
    const reader = new CgroupReader({ procRoot: root, cgroupRoot: join(fixtures, 'cgroup') });
    const viaInit = reader.readPids(get(roles.container.init));
    expect(viaInit).toMatchObject({
      path: `/docker/${roles.container.id}`,
      version: 1,
      max: roles.container.pidsLimit,
      effectiveMax: roles.container.pidsLimit,
      forkFailures: 0,
    });
    expect(viaInit?.current).toBeGreaterThanOrEqual(2);
    expect(viaInit?.peak).toBeGreaterThanOrEqual(viaInit?.current ?? 0);
    expect(reader.readPids(get(roles.container.zombie))).toEqual(viaInit);
    expect(reader.readPids(get(roles.hostZombie.pid))).toBeNull();
  });

  it('reads headroom through held descriptors: loadavg each time, the kernel limits once per interval', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pidscope-headroom-'));
    try {
      mkdirSync(join(dir, 'sys/kernel'), { recursive: true });
      for (const f of ['loadavg', 'sys/kernel/pid_max', 'sys/kernel/threads-max']) {
        copyFileSync(join(root, f), join(dir, f));
      }
      const processes = countProcesses(byPid.values());
      const reader = new HostHeadroomReader(dir, 1000);
      expect(reader.read(processes, 0)).toEqual(readHostHeadroom(root, processes));
      // Written in place: the held descriptors read the new text.
      writeFileSync(join(dir, 'loadavg'), '0.00 0.01 0.05 1/777 4242\n');
      writeFileSync(join(dir, 'sys/kernel/pid_max'), '99999\n');
      const soon = reader.read(processes, 999);
      expect([soon.tasks, soon.lastPid]).toEqual([777, 4242]);
      expect(soon.pidMax).toBe(readHostHeadroom(root, processes).pidMax);
      expect(reader.read(processes, 1000).pidMax).toBe(99999);
      writeFileSync(join(dir, 'loadavg'), 'garbage\n');
      expect(() => reader.read(processes, 1001)).toThrow(/loadavg/);
      reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes host headroom from the captured files', () => {
    const h = readHostHeadroom(root, countProcesses(byPid.values()));
    const [, , , , tasks, lastPid] = readFileSync(join(root, 'loadavg'), 'utf8').split(/[ /]/);
    expect(h).toMatchObject({
      pidMax: Number(readFileSync(join(root, 'sys/kernel/pid_max'), 'utf8')),
      threadsMax: Number(readFileSync(join(root, 'sys/kernel/threads-max'), 'utf8')),
      processes: byPid.size,
      zombies: 2,
      kernelThreads: 1,
      lastPid: Number(lastPid),
    });
    expect(h.tasks).toBe(Number(tasks));
    expect(h.headroom).toBe(Math.min(h.pidMax - 300, h.threadsMax) - h.tasks);
  });

  it('reads the signal masks of a stopped shell with traps and a signal pending', () => {
    const { pid, ignored, caught, pending } = roles.signals;
    const signal = (name: string) => constants.signals[name as keyof typeof constants.signals];
    expect(get(pid).state).toBe('T');
    const status = readPidStatus(pid, root);
    expect(signalMaskHas(status?.sigIgn ?? null, signal(ignored))).toBe(true);
    expect(signalMaskHas(status?.sigCgt ?? null, signal(caught))).toBe(true);
    expect(signalMaskHas(status?.sigCgt ?? null, signal(ignored))).toBe(false);
    expect(signalMaskHas(status?.shdPnd ?? null, signal(pending))).toBe(true);
    expect(status?.sigBlk).toMatch(/^[0-9a-f]{16}$/);
    expect(status?.sigPnd).toMatch(/^[0-9a-f]{16}$/);
    const plain = readPidStatus(roles.hostZombie.parent, root);
    expect([plain?.sigIgn, plain?.sigCgt, plain?.shdPnd]).toEqual([
      '0000000000000000',
      '0000000000000000',
      '0000000000000000',
    ]);
  });

  it('reads environ, and none for a zombie or a kernel thread (ESRCH when captured)', () => {
    expect(readPidEnviron(roles.environ.pid, root)).toEqual(roles.environ.entries);
    expect(readPidEnviron(roles.hostZombie.pid, root)).toBeNull();
    expect(readPidEnviron(roles.kernelThread, root)).toBeNull();
  });

  it('reads the forks since boot and the busy CPU time from the captured stat', () => {
    const lines = readFileSync(join(root, 'stat'), 'utf8').split('\n');
    const line = lines.find((l) => l.startsWith('processes '));
    const cpu = (lines[0] as string).split(/ +/).slice(1).map(Number);
    const busy = (cpu[0] ?? 0) + (cpu[1] ?? 0) + (cpu[2] ?? 0) + (cpu[5] ?? 0) + (cpu[6] ?? 0);
    expect(readStat(root)).toEqual({ processes: Number(line?.split(' ')[1]), busyTicks: busy });
  });

  it('reads RLIMIT_NPROC from limits', () => {
    const limits = readPidLimits(roles.multiThreaded, root);
    expect(limits).not.toBeNull();
    const nproc = maxProcesses(limits ?? []);
    expect(nproc?.units).toBe('processes');
    expect(typeof nproc?.soft === 'number' || nproc?.soft === null).toBe(true);
  });
});
