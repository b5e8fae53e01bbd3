import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuNews } from '@pidscope/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countProcesses, PF_KTHREAD, ProcfsError, ProcScanner } from '../src/index.js';

// Synthetic /proc trees for what live processes cannot do on demand: vanish between two reads,
// hold malformed text, or be a zombie without a 0:: line.

const HOST_NS = 4026531836;
const CONTAINER_NS = 4026532999;
const ID = 'c'.repeat(64);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pidscope-fakeproc-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

interface Fake {
  pid: number;
  ppid?: number;
  comm?: string;
  state?: string;
  flags?: number;
  start?: number;
  nsPids?: number[];
  ns?: number;
  cgroup?: string;
  cmdline?: string[];
  /** stat's start_code (program text address). */
  code?: number;
  /** Clock ticks in user mode. */
  utime?: number;
  /** Clock ticks in user mode of the children it reaped. */
  cutime?: number;
  /** Resident pages. */
  rss?: number;
  threads?: number;
  /** status's Tgid, when this PID is a thread of another process. */
  tgid?: number;
}

function stat(f: Fake): string {
  const rest = `${f.state ?? 'S'} ${f.ppid ?? 1} 1 1 0 -1 ${f.flags ?? 0x400000} 0 0 0 0 ${f.utime ?? 0} 0 ${f.cutime ?? 0} 0 20 0 ${f.threads ?? 1} 0 ${f.start ?? 100} 0 ${f.rss ?? 2} 18446744073709551615 ${f.code ?? 0} 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0`;
  return `${f.pid} (${f.comm ?? 'proc'}) ${rest}\n`;
}

function write(f: Fake, skip: string[] = []): void {
  const dir = join(root, String(f.pid));
  mkdirSync(join(dir, 'ns'), { recursive: true });
  const nsPids = f.nsPids ?? [f.pid];
  const files: Record<string, string> = {
    stat: stat(f),
    status: `Name:\t${f.comm ?? 'proc'}\nState:\t${f.state ?? 'S'} (x)\nTgid:\t${f.tgid ?? f.pid}\nPid:\t${f.pid}\nPPid:\t${f.ppid ?? 1}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t${nsPids.join('\t')}\nThreads:\t1\n`,
    cmdline: (f.cmdline ?? []).map((a) => `${a}\0`).join(''),
    cgroup: f.cgroup ?? '12:pids:/\n0::/\n',
  };
  for (const [name, text] of Object.entries(files)) {
    if (!skip.includes(name)) writeFileSync(join(dir, name), text);
  }
  if (!skip.includes('ns')) symlinkSync(`pid:[${f.ns ?? HOST_NS}]`, join(dir, 'ns', 'pid'));
}

const kthreadd: Fake = { pid: 2, ppid: 0, comm: 'kthreadd', flags: PF_KTHREAD, ns: HOST_NS };

describe('ProcScanner on a synthetic tree', () => {
  it('counts a process that vanished between stat and status, and makes no record of it', () => {
    write(kthreadd);
    write({ pid: 10, comm: 'gone' }, ['status', 'cmdline', 'cgroup', 'ns']);
    mkdirSync(join(root, 'self'));
    writeFileSync(join(root, 'loadavg'), '0.00 0.00 0.00 1/2 10\n');
    const scanner = new ProcScanner({ root, pageSize: 4096 });
    const result = scanner.scan();
    scanner.close();
    expect(result.processes.map((p) => p.pid)).toEqual([2]);
    expect(result.vanished).toBe(1);
  });

  it('throws EPARSE naming the file and showing the text of a malformed stat', () => {
    write(kthreadd);
    mkdirSync(join(root, '11'));
    writeFileSync(join(root, '11', 'stat'), '11 (broken S 1\n');
    const scanner = new ProcScanner({ root });
    let caught: unknown;
    try {
      scanner.scan();
    } catch (err) {
      caught = err;
    }
    scanner.close();
    expect(caught).toBeInstanceOf(ProcfsError);
    expect(caught).toMatchObject({
      code: 'EPARSE',
      file: join(root, '11', 'stat'),
      text: '11 (broken S 1\n',
    });
  });

  it('attributes a zombie whose cgroup lines all read / through its PID namespace', () => {
    write(kthreadd);
    write({
      pid: 20,
      comm: 'init',
      ns: CONTAINER_NS,
      nsPids: [20, 1],
      cgroup: `12:pids:/docker/${ID}\n`,
    });
    write({
      pid: 21,
      state: 'Z',
      ppid: 20,
      ns: CONTAINER_NS,
      nsPids: [21, 7],
      cgroup: '12:pids:/\n',
    });
    write({ pid: 30, state: 'Z', ppid: 1, ns: HOST_NS, cgroup: '12:pids:/\n' });
    const scanner = new ProcScanner({ root });
    const byPid = new Map(scanner.scan().processes.map((p) => [p.pid, p]));
    scanner.close();
    expect(byPid.get(21)).toMatchObject({ containerId: ID, runtime: 'docker', nsPids: [21, 7] });
    expect(byPid.get(30)?.containerId).toBeNull();
  });

  it('re-reads only stat for a known process; a zombie keeps the cgroup it had alive', () => {
    write(kthreadd);
    const alive: Fake = {
      pid: 40,
      ppid: 39,
      comm: 'worker',
      ns: CONTAINER_NS,
      nsPids: [40, 5],
      cgroup: `12:pids:/docker/${ID}\n0::/docker/${ID}\n`,
      cmdline: ['worker', '--busy'],
    };
    write(alive);
    // keepOpen 0: a held descriptor on a deleted regular file would keep reading the old text,
    // where procfs answers ESRCH. Live tests cover held descriptors on the real /proc.
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    const first = scanner.scan().processes.find((p) => p.pid === 40);
    expect(first).toMatchObject({
      containerId: ID,
      pidsCgroup: `/docker/${ID}`,
      cmdline: ['worker', '--busy'],
    });

    // It dies: stat says Z and the kernel would now show `/` and an empty argv. Only stat is
    // re-read, so those other files must not matter — make them unreadable to prove it.
    writeFileSync(join(root, '40', 'stat'), stat({ ...alive, state: 'Z' }));
    rmSync(join(root, '40', 'cgroup'));
    rmSync(join(root, '40', 'status'));
    const second = scanner.scan();
    const zombie = second.processes.find((p) => p.pid === 40);
    expect(second.vanished).toBe(0);
    expect(zombie).toMatchObject({
      state: 'Z',
      cmdline: [],
      containerId: ID,
      pidsCgroup: `/docker/${ID}`,
      nsPids: [40, 5],
    });
    expect(scanner.scan().processes.find((p) => p.pid === 40)).toBe(zombie);

    // A new process under the same PID (new start time) is read in full.
    write({ pid: 41 });
    rmSync(join(root, '40'), { recursive: true });
    write({ pid: 40, start: 999, comm: 'reused', cmdline: ['reused'] });
    const third = scanner.scan().processes.find((p) => p.pid === 40);
    scanner.close();
    expect(third).toMatchObject({
      startTime: 999,
      comm: 'reused',
      cmdline: ['reused'],
      containerId: null,
    });
  });

  it('notices an exec that keeps the command name by the new start of the program text', () => {
    write(kthreadd);
    const sh: Fake = { pid: 80, comm: 'sh', cmdline: ['sh', 'one.sh'], code: 0x5600_0000_1000 };
    write(sh);
    const scanner = new ProcScanner({ root });
    expect(scanner.scan().processes.find((p) => p.pid === 80)?.cmdline).toEqual(['sh', 'one.sh']);
    writeFileSync(join(root, '80', 'cmdline'), 'sh\0two.sh\0');
    // Same text address: no exec, cmdline is not read again.
    expect(scanner.scan().processes.find((p) => p.pid === 80)?.cmdline).toEqual(['sh', 'one.sh']);
    writeFileSync(join(root, '80', 'stat'), stat({ ...sh, code: 0x5611_0000_1000 }));
    expect(scanner.scan().processes.find((p) => p.pid === 80)?.cmdline).toEqual(['sh', 'two.sh']);
    // Read mid-exec (no image yet: 0, argv not set up), then seen with its image: read again.
    write({ pid: 81, comm: 'sh', cmdline: [], code: 0 });
    expect(scanner.scan().processes.find((p) => p.pid === 81)?.cmdline).toEqual([]);
    writeFileSync(join(root, '81', 'cmdline'), 'sh\0three.sh\0');
    writeFileSync(join(root, '81', 'stat'), stat({ pid: 81, comm: 'sh', code: 0x5622_0000_1000 }));
    expect(scanner.scan().processes.find((p) => p.pid === 81)?.cmdline).toEqual(['sh', 'three.sh']);
    // Becoming a zombie (no memory: 0) is no exec.
    writeFileSync(join(root, '80', 'stat'), stat({ ...sh, state: 'Z', code: 0 }));
    writeFileSync(join(root, '80', 'cmdline'), 'changed\0');
    expect(scanner.scan().processes.find((p) => p.pid === 80)).toMatchObject({
      state: 'Z',
      cmdline: [],
    });
    scanner.close();
  });

  it('lists what changed since its previous scan: new and changed records, identities gone', () => {
    write(kthreadd);
    write({ pid: 70, comm: 'stays' });
    write({ pid: 71, comm: 'changes' });
    write({ pid: 72, comm: 'exits' });
    write({ pid: 73, comm: 'reused' });
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    const first = scanner.scan();
    expect(first.changed).toEqual(first.processes);
    expect(first.removed).toEqual([]);

    writeFileSync(join(root, '71', 'stat'), stat({ pid: 71, comm: 'changes', state: 'R' }));
    rmSync(join(root, '72'), { recursive: true });
    rmSync(join(root, '73'), { recursive: true });
    write({ pid: 73, comm: 'reused', start: 500 });
    write({ pid: 74, comm: 'new' });
    const second = scanner.scan();
    expect(second.changed.map((p) => [p.pid, p.comm, p.state])).toEqual([
      [71, 'changes', 'R'],
      [73, 'reused', 'S'],
      [74, 'new', 'S'],
    ]);
    for (const p of second.changed) expect(second.processes).toContain(p);
    expect(second.removed).toEqual([
      { pid: 72, startTime: 100 },
      { pid: 73, startTime: 100 },
    ]);

    const third = scanner.scan();
    expect(third.changed).toEqual([]);
    expect(third.removed).toEqual([]);
    // A full scan reads every record anew, and still says what is gone since the last scan.
    rmSync(join(root, '74'), { recursive: true });
    const full = scanner.fullScan();
    expect(full.changed).toEqual(full.processes);
    expect(full.removed).toEqual([{ pid: 74, startTime: 100 }]);
    scanner.close();
  });

  it('fullScan forgets what it knew', () => {
    write(kthreadd);
    write({ pid: 50, cmdline: ['a'] });
    const scanner = new ProcScanner({ root });
    scanner.scan();
    writeFileSync(join(root, '50', 'cmdline'), 'b\0');
    expect(scanner.scan().processes.find((p) => p.pid === 50)?.cmdline).toEqual(['a']);
    expect(scanner.fullScan().processes.find((p) => p.pid === 50)?.cmdline).toEqual(['b']);
    scanner.close();
  });

  it('keeps working by path when no descriptor may be held', () => {
    write(kthreadd);
    write({ pid: 60, comm: 'one' });
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    expect(
      scanner
        .scan()
        .processes.map((p) => p.comm)
        .sort(),
    ).toEqual(['kthreadd', 'one']);
    writeFileSync(join(root, '60', 'stat'), stat({ pid: 60, comm: 'one', state: 'R' }));
    expect(scanner.scan().processes.find((p) => p.pid === 60)?.state).toBe('R');
    scanner.close();
  });

  it('[S7] times CPU between its reads, and keeps the record while the change is no news', () => {
    let now = 0;
    const scanner = new ProcScanner({ root, pageSize: 4096, cpuNews, clock: () => now });
    const busy: Fake = { pid: 20, comm: 'busy', utime: 1000 };
    const idle: Fake = { pid: 21, comm: 'idle', utime: 7 };
    write(busy);
    write(idle);
    const cpuOf = (r: { processes: { pid: number; cpu: number }[] }, pid: number) =>
      r.processes.find((p) => p.pid === pid)?.cpu;
    const first = scanner.scan();
    // Nothing to time against yet.
    expect([cpuOf(first, 20), cpuOf(first, 21)]).toEqual([0, 0]);
    const steps = [
      // [ms later, busy's ticks then, busy's cpu after the scan, its record changed]
      [1000, 1100, 100, true],
      [1000, 1197, 100, false],
      [2000, 1397, 100, false],
      [1000, 1450, 53, true],
      [500, 1450, 0, true],
    ] as const;
    let before = first;
    for (const [ms, ticks, cpu, changed] of steps) {
      now += ms;
      writeFileSync(join(root, '20', 'stat'), stat({ ...busy, utime: ticks }));
      const r = scanner.scan();
      expect(cpuOf(r, 20), `after ${ticks} ticks`).toBe(cpu);
      expect(r.changed.map((p) => p.pid)).toEqual(changed ? [20] : []);
      // The idle process stays at 0: the same record, never news.
      expect(r.processes.find((p) => p.pid === 21)).toBe(
        before.processes.find((p) => p.pid === 21),
      );
      before = r;
    }
    scanner.close();
  });
});

describe('ProcScanner.update: re-reading the processes a source names', () => {
  it('reads a new process, drops a gone one, and tells a reused PID by its start time', () => {
    write(kthreadd);
    write({ pid: 60, comm: 'old' });
    write({ pid: 61, comm: 'exits' });
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    scanner.scan();
    write({ pid: 62, comm: 'new', ppid: 60 });
    rmSync(join(root, '61'), { recursive: true });
    rmSync(join(root, '60'), { recursive: true });
    write({ pid: 60, comm: 'reused', start: 700 });
    const r = scanner.update([62, 61, 60, 63]);
    expect(r.changed.map((p) => [p.pid, p.comm, p.startTime])).toEqual([
      [62, 'new', 100],
      [60, 'reused', 700],
    ]);
    expect(r.removed).toEqual([
      { pid: 61, startTime: 100 },
      { pid: 60, startTime: 100 },
    ]);
    // 63 never existed: not an error.
    expect(r.vanished).toBe(1);
    expect([...scanner.records()].map((p) => p.pid).sort()).toEqual([2, 60, 62]);
    // A scan afterwards agrees and finds nothing new.
    const again = scanner.scan();
    expect(again.changed).toEqual([]);
    expect(again.removed).toEqual([]);
    scanner.close();
  });

  it('keeps a record the same object when nothing changed, and leaves every other process alone', () => {
    write(kthreadd);
    write({ pid: 64, comm: 'a' });
    write({ pid: 65, comm: 'b' });
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    scanner.scan();
    const before = [...scanner.records()];
    writeFileSync(join(root, '65', 'stat'), stat({ pid: 65, comm: 'b', state: 'T' }));
    expect(scanner.update([64]).changed).toEqual([]);
    expect([...scanner.records()]).toEqual(before);
    expect(scanner.update([65]).changed.map((p) => p.state)).toEqual(['T']);
    scanner.close();
  });

  it('skips the PID of a thread that is not its group leader', () => {
    write(kthreadd);
    write({ pid: 66, comm: 'main' });
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    scanner.scan();
    write({ pid: 67, comm: 'worker', tgid: 66 });
    expect(scanner.update([67])).toMatchObject({ changed: [], removed: [] });
    expect([...scanner.records()].map((p) => p.pid).sort()).toEqual([2, 66]);
    scanner.close();
  });

  it('reads cmdline and status again for a process said to have exec-ed, and only then', () => {
    write(kthreadd);
    write({ pid: 68, comm: 'sh', cmdline: ['sh', 'a'] });
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    scanner.scan();
    writeFileSync(join(root, '68', 'cmdline'), 'sh\0b\0');
    expect(scanner.update([68]).changed).toEqual([]);
    expect(scanner.update([68], new Set([68])).changed.map((p) => p.cmdline)).toEqual([
      ['sh', 'b'],
    ]);
    scanner.close();
  });

  it('knows each process by its parent, after scans and updates', () => {
    write(kthreadd);
    write({ pid: 90, comm: 'parent' });
    write({ pid: 91, ppid: 90 });
    write({ pid: 92, ppid: 90 });
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    scanner.scan();
    expect(scanner.childrenOf(90).sort()).toEqual([91, 92]);
    // 90 exits: 91 is reparented to PID 1, 92 exits too.
    rmSync(join(root, '90'), { recursive: true });
    rmSync(join(root, '92'), { recursive: true });
    writeFileSync(join(root, '91', 'stat'), stat({ pid: 91, ppid: 1 }));
    scanner.update([90, ...scanner.childrenOf(90)]);
    expect(scanner.childrenOf(90)).toEqual([]);
    expect(scanner.childrenOf(1)).toEqual([91]);
    scanner.close();
  });
  it('[S7] refreshCpu re-reads every known process: a busy one changes past the deadband, an idle one stays', () => {
    let now = 0;
    write(kthreadd);
    const busy: Fake = { pid: 120, comm: 'busy', utime: 0 };
    write(busy);
    write({ pid: 121, comm: 'idle' });
    const scanner = new ProcScanner({ root, keepOpen: 0, cpuNews, clock: () => now });
    scanner.scan();
    now += 2000;
    writeFileSync(join(root, '120', 'stat'), stat({ ...busy, utime: 100 }));
    const r = scanner.refreshCpu();
    expect(r.changed.map((p) => [p.pid, p.cpu])).toEqual([[120, 50]]);
    now += 2000;
    writeFileSync(join(root, '120', 'stat'), stat({ ...busy, utime: 202 }));
    expect(scanner.refreshCpu().changed).toEqual([]);
    now += 2000;
    expect(scanner.refreshCpu().changed.map((p) => [p.pid, p.cpu])).toEqual([[120, 0]]);
    expect(scanner.record(121)?.cpu).toBe(0);
    scanner.close();
  });
});

describe('ProcScanner: the CPU pass in slices', () => {
  it('[S7] reads what used CPU on every call, what did not in its slice (by PID), and what it is also given', () => {
    let now = 0;
    write(kthreadd);
    const idle: Fake = { pid: 121, comm: 'idle' };
    const other: Fake = { pid: 122, comm: 'other' };
    const busy: Fake = { pid: 133, comm: 'busy', utime: 0 };
    for (const f of [idle, other, busy]) write(f);
    const scanner = new ProcScanner({ root, keepOpen: 0, cpuNews, clock: () => now });
    scanner.scan();
    const pass = (slice: number, fakes: Fake[], also?: Set<number>) => {
      now += 2000;
      for (const f of fakes) writeFileSync(join(root, String(f.pid), 'stat'), stat(f));
      return scanner
        .refreshCpu(slice, 5, also)
        .changed.map((p) => [p.pid, p.cpu, p.state])
        .sort();
    };
    // Every process was read once only: all of them are read, whatever the slice.
    expect(pass(0, [{ ...busy, utime: 100 }])).toEqual([[133, 50, 'S']]);
    // The idle one starts using CPU: not seen until its slice (1), the busy one every time.
    expect(
      pass(0, [
        { ...idle, utime: 50 },
        { ...busy, utime: 300 },
      ]),
    ).toEqual([[133, 100, 'S']]);
    expect(scanner.record(121)?.cpu).toBe(0);
    expect(pass(1, [])).toEqual([
      [121, 13, 'S'],
      [133, 0, 'S'],
    ]);
    // Both went idle: only a change in their slice shows, or in what the caller adds.
    expect(pass(2, [{ ...busy, utime: 300, state: 'T' }])).toEqual([[121, 0, 'S']]);
    expect(pass(4, [{ ...other, state: 'T' }], new Set([122]))).toEqual([[122, 0, 'T']]);
    expect(scanner.record(133)?.state).toBe('S');
    expect(pass(3, [])).toEqual([[133, 0, 'T']]);
    // A new process is read on the next call, whatever its PID.
    write({ pid: 144, comm: 'new', utime: 0 });
    scanner.update([144]);
    expect(pass(0, [{ pid: 144, comm: 'new', utime: 40 }])).toEqual([[144, 20, 'S']]);
    scanner.close();
  });
});

describe('ProcScanner: the CPU pass in two steps, and the ticks the reads account for', () => {
  it('[S7] refreshActive reads what used CPU, refreshIdle the rest of a slice; takeUsedTicks sums what they used since', () => {
    let now = 0;
    write(kthreadd);
    const idle: Fake = { pid: 121, comm: 'idle', utime: 7 };
    const busy: Fake = { pid: 133, comm: 'busy', utime: 0 };
    for (const f of [idle, busy]) write(f);
    const scanner = new ProcScanner({ root, keepOpen: 0, cpuNews, clock: () => now });
    scanner.scan();
    // A first read counts all its ticks: the process started since, as far as the reader knows.
    expect(scanner.takeUsedTicks()).toBe(7);
    now += 2000;
    writeFileSync(join(root, '133', 'stat'), stat({ ...busy, utime: 100 }));
    scanner.refreshCpu();
    expect(scanner.takeUsedTicks()).toBe(100);
    // 121 used nothing between its last two reads: idle. 133 is read alone.
    now += 2000;
    writeFileSync(join(root, '133', 'stat'), stat({ ...busy, utime: 150 }));
    writeFileSync(join(root, '121', 'stat'), stat({ ...idle, utime: 57 }));
    const active = scanner.refreshActive();
    expect(active.read).toBe(1);
    expect(active.changed.map((p) => [p.pid, p.cpu])).toEqual([[133, 25]]);
    expect(scanner.takeUsedTicks()).toBe(50);
    expect(scanner.takeUsedTicks()).toBe(0);
    // The idle one, in its slice only; the busy one is not read again.
    expect(scanner.refreshIdle(0, 5).read).toBe(0);
    const slice = scanner.refreshIdle(121 % 5, 5);
    expect(slice.read).toBe(1);
    expect(slice.changed.map((p) => [p.pid, p.cpu])).toEqual([[121, 25]]);
    expect(scanner.takeUsedTicks()).toBe(50);
    // Busy again, 121 is read on every pass; 133, gone, is read once more (to tell so) and no more.
    now += 2000;
    rmSync(join(root, '133'), { recursive: true });
    const next = scanner.refreshActive();
    expect(next.read).toBe(2);
    expect(next.removed.map((p) => p.pid)).toEqual([133]);
    // 121 used nothing since: idle again, and not read; 133 is not read either.
    expect(scanner.refreshActive().read).toBe(0);
    scanner.close();
  });
});

describe('ProcScanner: reads too close together to tell', () => {
  it('[S7] keep a process read by the CPU pass until reads a second apart show it used nothing', () => {
    let now = 0;
    write(kthreadd);
    const reaper: Fake = { pid: 160, comm: 'sh' };
    write(reaper);
    const scanner = new ProcScanner({ root, keepOpen: 0, cpuNews, clock: () => now });
    scanner.scan();
    now += 2000;
    expect(scanner.refreshActive().read).toBe(2);
    expect(scanner.refreshActive().read).toBe(0);
    // Events name it twice, 50 ms apart (a fork and an exec): no tick shows in so little time.
    now += 10;
    scanner.update([160]);
    now += 50;
    scanner.update([160]);
    scanner.takeUsedTicks();
    // It reaps children that used CPU: the pass reads it, and their time is accounted for.
    now += 2000;
    writeFileSync(join(root, '160', 'stat'), stat({ ...reaper, cutime: 30 }));
    expect(scanner.refreshActive().read).toBe(1);
    expect(scanner.takeUsedTicks()).toBe(30);
    // Two seconds with nothing used: idle, and no longer read.
    now += 2000;
    expect(scanner.refreshActive().read).toBe(1);
    expect(scanner.refreshActive().read).toBe(0);
    scanner.close();
  });
});

describe('ProcScanner: a process read running', () => {
  it('[S7] is read on every pass until it is read not running, though it used no tick', () => {
    let now = 0;
    write(kthreadd);
    // Just exec'd: runnable, no tick used yet.
    const child: Fake = { pid: 150, comm: 'child', state: 'R' };
    write(child);
    const scanner = new ProcScanner({ root, keepOpen: 0, cpuNews, clock: () => now });
    scanner.scan();
    now += 2000;
    expect(scanner.refreshActive().read).toBe(2);
    // Still runnable, still no tick: read again, so its going to sleep shows on a later pass.
    now += 2000;
    expect(scanner.refreshActive().read).toBe(1);
    now += 2000;
    writeFileSync(join(root, '150', 'stat'), stat({ ...child, state: 'S' }));
    const asleep = scanner.refreshActive();
    expect(asleep.read).toBe(1);
    expect(asleep.changed.map((p) => [p.pid, p.state])).toEqual([[150, 'S']]);
    // Asleep without a tick: idle from then on.
    now += 2000;
    expect(scanner.refreshActive().read).toBe(0);
    scanner.close();
  });
});

describe('ProcScanner: what reaped children used', () => {
  it('[S7] counts the ticks a reaper gained from its children as used, and reads it on every pass', () => {
    let now = 0;
    write(kthreadd);
    const shell: Fake = { pid: 140, comm: 'sh', utime: 3 };
    write(shell);
    const scanner = new ProcScanner({ root, keepOpen: 0, cpuNews, clock: () => now });
    scanner.scan();
    scanner.takeUsedTicks();
    now += 2000;
    scanner.refreshCpu();
    // It used nothing itself and reaped nothing: idle.
    expect(scanner.refreshActive().read).toBe(0);
    // Children that lived and died between two passes: 40 ticks in its account, none of its own.
    writeFileSync(join(root, '140', 'stat'), stat({ ...shell, cutime: 40 }));
    expect(scanner.refreshIdle(140 % 5, 5).read).toBe(1);
    expect(scanner.takeUsedTicks()).toBe(40);
    expect(scanner.refreshActive().read).toBe(1);
    // Its own CPU figure is its own: reaping is no CPU use of the shell.
    expect(scanner.record(140)?.cpu).toBe(0);
    scanner.close();
  });
});

describe('ProcScanner: counts', () => {
  it('counts processes, zombies and kernel threads as records change, as a count of them would', () => {
    write(kthreadd);
    const a: Fake = { pid: 120, comm: 'a' };
    for (const f of [a, { pid: 121, comm: 'b' }]) write(f);
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    const counted = () => countProcesses(scanner.records());
    scanner.scan();
    expect(scanner.counts()).toEqual({ processes: 3, zombies: 0, kernelThreads: 1 });
    writeFileSync(join(root, '120', 'stat'), stat({ ...a, state: 'Z' }));
    write({ pid: 122, comm: 'c' });
    scanner.update([120, 122]);
    expect(scanner.counts()).toEqual({ processes: 4, zombies: 1, kernelThreads: 1 });
    rmSync(join(root, '120'), { recursive: true });
    scanner.update([120]);
    expect(scanner.counts()).toEqual(counted());
    expect(scanner.counts()).toEqual({ processes: 3, zombies: 0, kernelThreads: 1 });
    rmSync(join(root, '121'), { recursive: true });
    scanner.scan();
    expect(scanner.counts()).toEqual(counted());
    expect(scanner.counts().processes).toBe(2);
    scanner.close();
  });
});

describe('ProcScanner: reconcile', () => {
  it('reads what is new or gone, and what was not read since the last walk or reconcile', () => {
    let now = 0;
    write(kthreadd);
    for (const pid of [120, 121, 122]) write({ pid, comm: `p${pid}` });
    const scanner = new ProcScanner({ root, keepOpen: 0, clock: () => ++now });
    scanner.scan();
    const restat = (f: Fake) => writeFileSync(join(root, String(f.pid), 'stat'), stat(f));
    const summary = (r: ReturnType<ProcScanner['reconcile']>) => ({
      changed: r.changed.map((p) => [p.pid, p.ppid, p.state]).sort(),
      removed: r.removed.map((p) => p.pid),
    });
    // Missed by the source: a new process, one gone, and a parent changed; the walk read them all.
    write({ pid: 130, comm: 'new' });
    rmSync(join(root, '121'), { recursive: true });
    restat({ pid: 120, comm: 'p120', ppid: 2 });
    expect(summary(scanner.reconcile())).toEqual({ changed: [[130, 1, 'S']], removed: [121] });
    expect(scanner.record(120)?.ppid).toBe(1);
    // 122 read since (as a CPU pass would) and 130 read by that reconcile are not read again.
    restat({ pid: 122, comm: 'p122', state: 'T' });
    scanner.update([122]);
    restat({ pid: 122, comm: 'p122', state: 'S' });
    restat({ pid: 130, comm: 'new', state: 'D' });
    expect(summary(scanner.reconcile())).toEqual({ changed: [[120, 2, 'S']], removed: [] });
    expect(scanner.record(122)?.state).toBe('T');
    expect(summary(scanner.reconcile())).toEqual({
      changed: [
        [122, 1, 'S'],
        [130, 1, 'D'],
      ],
      removed: [],
    });
    expect([...scanner.records()].map((p) => p.pid).sort()).toEqual([120, 122, 130, 2]);
    scanner.close();
  });
});

describe('ProcScanner: what is not news', () => {
  it('keeps the resident size within the deadband, and takes it exactly past it or with other news', () => {
    write(kthreadd);
    const p: Fake = { pid: 100, comm: 'grows', rss: 1000 };
    write(p);
    const scanner = new ProcScanner({
      root,
      keepOpen: 0,
      pageSize: 4096,
      rssDeadband: { fraction: 0.01, bytes: 64 * 1024 },
    });
    const first = scanner.scan().processes.find((r) => r.pid === 100);
    expect(first?.rssBytes).toBe(1000 * 4096);
    const rssAfter = (pages: number, extra: Partial<Fake> = {}) => {
      writeFileSync(join(root, '100', 'stat'), stat({ ...p, rss: pages, ...extra }));
      return scanner.scan().processes.find((r) => r.pid === 100);
    };
    // 9 pages (36 KiB, 0.9%): under both bounds.
    expect(rssAfter(1009)).toBe(first);
    // 15 pages (60 KiB, 1.5%): under 64 KiB.
    expect(rssAfter(1015)).toBe(first);
    // 20 pages (80 KiB, 2%): news.
    expect(rssAfter(1020)?.rssBytes).toBe(1020 * 4096);
    // A state change brings the exact size along, even a tiny move.
    expect(rssAfter(1021, { state: 'T' })).toMatchObject({ state: 'T', rssBytes: 1021 * 4096 });
    scanner.close();
  });

  it('names a kernel worker by its stable part: the workqueue it serves is no change', () => {
    write(kthreadd);
    const worker: Fake = { pid: 110, ppid: 2, comm: 'kworker/1:0-events', flags: PF_KTHREAD };
    write(worker);
    const scanner = new ProcScanner({ root, keepOpen: 0 });
    const first = scanner.scan().processes.find((r) => r.pid === 110);
    expect(first?.comm).toBe('kworker/1:0');
    // Were it taken for an exec, status would be read again: it is gone, so it must not be.
    rmSync(join(root, '110', 'status'));
    writeFileSync(join(root, '110', 'stat'), stat({ ...worker, comm: 'kworker/1:0+mm_percpu_wq' }));
    expect(scanner.scan().processes.find((r) => r.pid === 110)).toBe(first);
    expect(scanner.update([110]).changed).toEqual([]);
    scanner.close();
  });
});
