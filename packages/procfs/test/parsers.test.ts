import { testRecord } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import {
  cgroupPathFor,
  computeHostHeadroom,
  countProcesses,
  environValue,
  findPidsHierarchies,
  maxProcesses,
  type ProcessRecord,
  ProcfsError,
  parseLoadavg,
  parseMountinfo,
  parsePidCgroup,
  parsePidCmdline,
  parsePidEnviron,
  parsePidLimits,
  parsePidMax,
  parsePidNs,
  parsePidStatus,
  parsePidsCurrent,
  parsePidsEvents,
  parsePidsMax,
  parsePidsPeak,
  parseProcSelf,
  parseStat,
  parseThreadsMax,
  signalMaskHas,
  unifiedCgroupPath,
} from '../src/index.js';

function expectParseError(fn: () => unknown, file: string, text: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ProcfsError);
  expect(caught).toMatchObject({ code: 'EPARSE', file, text });
  expect((caught as Error).message).toContain(file);
}

const STATUS = `Name:\tevil) (x\\ny z
Umask:\t0022
State:\tS (sleeping)
Tgid:\t4425
Ngid:\t0
Pid:\t4425
PPid:\t4400
TracerPid:\t0
Uid:\t1000\t0\t0\t0
Gid:\t100\t100\t100\t100
FDSize:\t64
Groups:\t
NStgid:\t4425\t7\t1
NSpid:\t4425\t7\t1
NSpgid:\t4425\t7\t1
NSsid:\t4400\t0\t0
Kthread:\t0
VmPeak:\t    2412 kB
VmRSS:\t     988 kB
Threads:\t3
SigQ:\t0/96364
SigPnd:\t0000000000000200
ShdPnd:\t0000000000000800
SigBlk:\t0000000000010000
SigIgn:\t0000000000004000
SigCgt:\t0000000180005201
CapInh:\t0000000000000000
`;

describe('parsePidStatus', () => {
  it('reads ids, the NSpid chain, threads, Kthread and VmRSS', () => {
    expect(parsePidStatus(STATUS)).toEqual({
      name: 'evil) (x\\ny z',
      state: 'S',
      tgid: 4425,
      pid: 4425,
      ppid: 4400,
      uids: [1000, 0, 0, 0],
      gids: [100, 100, 100, 100],
      fdSize: 64,
      nsPids: [4425, 7, 1],
      nsTgids: [4425, 7, 1],
      threads: 3,
      kthread: false,
      vmRssKb: 988,
      sigPnd: '0000000000000200',
      shdPnd: '0000000000000800',
      sigBlk: '0000000000010000',
      sigIgn: '0000000000004000',
      sigCgt: '0000000180005201',
    });
  });

  it('reads the signal masks bit by bit: bit N-1 is signal N', () => {
    const s = parsePidStatus(STATUS);
    // SIGUSR1 (10) pending for the thread, SIGUSR2 (12) for the process, SIGCHLD (17) blocked,
    // SIGTERM (15) ignored; caught: SIGHUP (1), SIGUSR1, SIGPIPE (13), SIGTERM, 32 and 33.
    expect(signalMaskHas(s.sigPnd, 10)).toBe(true);
    expect(signalMaskHas(s.shdPnd, 12)).toBe(true);
    expect(signalMaskHas(s.sigBlk, 17)).toBe(true);
    expect(signalMaskHas(s.sigIgn, 15)).toBe(true);
    expect(signalMaskHas(s.sigIgn, 9)).toBe(false);
    const caught = Array.from({ length: 64 }, (_, i) => i + 1).filter((n) =>
      signalMaskHas(s.sigCgt, n),
    );
    expect(caught).toEqual([1, 10, 13, 15, 32, 33]);
    expect(signalMaskHas(null, 1)).toBe(false);
    expect(signalMaskHas('0000000000000001', 65)).toBe(false);
  });

  it('tells a non-leader thread by Tgid != Pid', () => {
    const thread = parsePidStatus(STATUS.replace('Pid:\t4425\n', 'Pid:\t4431\n'));
    expect(thread.tgid).toBe(4425);
    expect(thread.pid).toBe(4431);
  });

  it('copes with kernels without NSpid, Kthread or VmRSS (zombies, kernel threads)', () => {
    const old = STATUS.split('\n')
      .filter((l) => !/^(NSpid|NStgid|Kthread|VmRSS|FDSize)/.test(l))
      .join('\n');
    expect(parsePidStatus(old)).toMatchObject({
      fdSize: null,
      nsPids: [4425],
      nsTgids: [4425],
      kthread: null,
      vmRssKb: null,
    });
    const noMasks = STATUS.split('\n')
      .filter((l) => !/^(SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt)/.test(l))
      .join('\n');
    expect(parsePidStatus(noMasks)).toMatchObject({
      sigPnd: null,
      shdPnd: null,
      sigBlk: null,
      sigIgn: null,
      sigCgt: null,
    });
    expect(parsePidStatus(STATUS.replace('Kthread:\t0', 'Kthread:\t1')).kthread).toBe(true);
  });

  it.each([
    ['missing Pid', STATUS.replace(/\nPid:[^\n]*/, '')],
    ['bad Uid', STATUS.replace('Uid:\t1000', 'Uid:\tx')],
    ['bad NSpid', STATUS.replace('NSpid:\t4425\t7\t1', 'NSpid:\t4425 seven')],
    ['bad FDSize', STATUS.replace('FDSize:\t64', 'FDSize:\t64 128')],
    ['bad State', STATUS.replace('State:\tS (sleeping)', 'State:\t')],
    ['bad SigCgt', STATUS.replace('SigCgt:\t0000000180005201', 'SigCgt:\t00000001800g5201')],
    ['empty SigIgn', STATUS.replace('SigIgn:\t0000000000004000', 'SigIgn:\t')],
    ['empty', ''],
  ])('throws EPARSE: %s', (_, text) => {
    expectParseError(() => parsePidStatus(text, '/proc/4425/status'), '/proc/4425/status', text);
  });
});

describe('parsePidCmdline', () => {
  it.each([
    ['argv', 'sleep\u0000600\u0000', ['sleep', '600']],
    ['empty (zombie, kernel thread)', '', []],
    ['empty argument kept', 'sh\u0000-c\u0000\u0000', ['sh', '-c', '']],
    ['rewritten title without NUL', 'nginx: worker process', ['nginx: worker process']],
    ['spaces and newlines inside an argument', 'a b\nc\u0000', ['a b\nc']],
  ])('%s', (_, text, argv) => {
    expect(parsePidCmdline(text)).toEqual(argv);
  });
});

describe('parsePidEnviron', () => {
  it.each([
    ['entries', 'PATH=/bin\u0000HOME=/root\u0000', ['PATH=/bin', 'HOME=/root']],
    ['empty (kernel thread)', '', []],
    ['no trailing NUL', 'A=1\u0000B=2', ['A=1', 'B=2']],
    ['values with = and newlines', 'X=a=b\nc\u0000', ['X=a=b\nc']],
    [
      'an entry without =, and a name twice',
      'junk\u0000A=1\u0000A=2\u0000',
      ['junk', 'A=1', 'A=2'],
    ],
  ])('%s', (_, text, entries) => {
    expect(parsePidEnviron(text)).toEqual(entries);
  });

  it('finds a value as getenv does: the first entry of that name', () => {
    const entries = parsePidEnviron('junk\u0000AB=0\u0000A=1\u0000A=2\u0000E=\u0000');
    expect(environValue(entries, 'A')).toBe('1');
    expect(environValue(entries, 'E')).toBe('');
    expect(environValue(entries, 'junk')).toBeNull();
    expect(environValue(entries, 'MISSING')).toBeNull();
  });
});

describe('parseProcSelf', () => {
  it('reads the PID /proc/self points to', () => {
    expect(parseProcSelf('4425')).toBe(4425);
  });

  it.each([['0'], [''], ['self'], ['12/task']])('throws EPARSE for %j', (link) => {
    expectParseError(() => parseProcSelf(link, '/proc/self'), '/proc/self', link);
  });
});

describe('parsePidCgroup', () => {
  it('splits on the first two colons only', () => {
    const text = '8:pids:/docker/x\n1:name=systemd:/a:b:c\n3:cpu,cpuacct:/\n0::/docker/x\n';
    const lines = parsePidCgroup(text);
    expect(lines).toEqual([
      { hierarchyId: 8, controllers: ['pids'], path: '/docker/x' },
      { hierarchyId: 1, controllers: ['name=systemd'], path: '/a:b:c' },
      { hierarchyId: 3, controllers: ['cpu', 'cpuacct'], path: '/' },
      { hierarchyId: 0, controllers: [], path: '/docker/x' },
    ]);
    expect(cgroupPathFor(lines, 'pids')).toBe('/docker/x');
    expect(cgroupPathFor(lines, 'cpuacct')).toBe('/');
    expect(cgroupPathFor(lines, 'memory')).toBeNull();
    expect(unifiedCgroupPath(lines)).toBe('/docker/x');
  });

  it('drops " (deleted)" from a removed v2 cgroup', () => {
    expect(unifiedCgroupPath(parsePidCgroup('0::/gone (deleted)\n'))).toBe('/gone');
  });

  it.each([
    ['no colons', 'garbage\n'],
    ['no path', '3:cpu\n'],
    ['bad id', 'x:pids:/\n'],
  ])('throws EPARSE: %s', (_, text) => {
    expectParseError(() => parsePidCgroup(text, '/proc/9/cgroup'), '/proc/9/cgroup', text);
  });
});

describe('parsePidNs', () => {
  it('reads the inode', () => {
    expect(parsePidNs('pid:[4026532252]')).toBe(4026532252);
  });
  it('throws EPARSE on anything else', () => {
    expectParseError(() => parsePidNs('net:[1]', '/proc/1/ns/pid'), '/proc/1/ns/pid', 'net:[1]');
  });
});

describe('parseLoadavg', () => {
  it('reads running/total tasks and the last PID', () => {
    expect(parseLoadavg('0.84 0.56 0.30 1/123 10550\n')).toEqual({
      load1: 0.84,
      load5: 0.56,
      load15: 0.3,
      running: 1,
      total: 123,
      lastPid: 10550,
    });
  });
  it('throws EPARSE', () => {
    expectParseError(
      () => parseLoadavg('0.84 0.56\n', '/proc/loadavg'),
      '/proc/loadavg',
      '0.84 0.56\n',
    );
  });
});

describe('parseStat', () => {
  const STAT = [
    'cpu  50230 307 18788 72569 926 0 451 236 0 0',
    'cpu0 25115 153 9394 36284 463 0 225 118 0 0',
    'intr 1338828 0 0 0',
    'ctxt 6541666',
    'btime 1795992732',
    'processes 23641',
    'procs_running 5',
    'procs_blocked 0',
    'softirq 561977 0 57744 51 66828 156862 0 5 112439 9 168039',
    '',
  ].join('\n');
  it('reads the forks since boot from the processes line, and the CPU time spent on tasks', () => {
    // user + nice + system + irq + softirq of the all-CPU line; idle, iowait, steal and guest not.
    expect(parseStat(STAT)).toEqual({ processes: 23641, busyTicks: 50230 + 307 + 18788 + 0 + 451 });
  });
  it.each([
    ['no processes line', STAT.replace('processes 23641\n', '')],
    ['no cpu line first', STAT.replace(/^cpu .*\n/, '')],
    [
      'a cpu line cut short',
      STAT.replace('cpu  50230 307 18788 72569 926 0 451', 'cpu  50230 307'),
    ],
    ['a non-number', STAT.replace('processes 23641', 'processes many')],
    ['procs_running alone', 'procs_running 5\n'],
  ])('throws EPARSE on %s', (_, text) => {
    expectParseError(() => parseStat(text, '/proc/stat'), '/proc/stat', text);
  });
});

describe('pid_max and threads-max', () => {
  it('reads one integer', () => {
    expect(parsePidMax('32768\n')).toBe(32768);
    expect(parseThreadsMax('192729\n')).toBe(192729);
  });
  it('throws EPARSE', () => {
    expectParseError(() => parsePidMax('lots\n', 'pid_max'), 'pid_max', 'lots\n');
    expectParseError(() => parseThreadsMax('', 'threads-max'), 'threads-max', '');
  });
});

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max stack size            8388608              unlimited            bytes     
Max processes             96364                96364                processes 
Max open files            20000                20000                files     
Max nice priority         0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

describe('parsePidLimits', () => {
  it('reads the table with unlimited as null', () => {
    const limits = parsePidLimits(LIMITS);
    expect(limits).toHaveLength(6);
    expect(limits[0]).toEqual({ name: 'Max cpu time', soft: null, hard: null, units: 'seconds' });
    expect(limits[1]).toEqual({
      name: 'Max stack size',
      soft: 8388608,
      hard: null,
      units: 'bytes',
    });
    expect(limits[4]).toEqual({ name: 'Max nice priority', soft: 0, hard: 0, units: '' });
    expect(maxProcesses(limits)).toEqual({
      name: 'Max processes',
      soft: 96364,
      hard: 96364,
      units: 'processes',
    });
  });
  it('throws EPARSE', () => {
    expectParseError(() => parsePidLimits('nonsense', 'limits'), 'limits', 'nonsense');
    const bad = LIMITS.replace('96364                96364', 'lots                 96364');
    expectParseError(() => parsePidLimits(bad, 'limits'), 'limits', bad);
  });
});

const MOUNTINFO = `21 26 0:20 / /proc rw,relatime - proc proc rw
26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime shared:10 master:2 - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
55 26 0:50 / /mnt/with\\040space rw - tmpfs none rw
`;

describe('parseMountinfo', () => {
  it('reads fields, optional tags and octal escapes', () => {
    const mounts = parseMountinfo(MOUNTINFO);
    expect(mounts).toHaveLength(8);
    expect(mounts[4]).toEqual({
      mountId: 38,
      parentId: 30,
      device: '0:35',
      root: '/',
      mountPoint: '/sys/fs/cgroup/pids',
      mountOptions: ['rw', 'relatime'],
      optionalFields: ['shared:10', 'master:2'],
      fsType: 'cgroup',
      source: 'cgroup',
      superOptions: ['rw', 'pids'],
    });
    expect(mounts[7]?.mountPoint).toBe('/mnt/with space');
  });
  it('throws EPARSE', () => {
    expectParseError(() => parseMountinfo('1 2 3\n', 'mountinfo'), 'mountinfo', '1 2 3\n');
  });
});

describe('findPidsHierarchies', () => {
  it('finds the v1 pids controller and the cgroup2 mount (hybrid host)', () => {
    expect(findPidsHierarchies(parseMountinfo(MOUNTINFO))).toEqual({
      v1: { version: 1, dir: '/sys/fs/cgroup/pids', root: '/' },
      v2: { version: 2, dir: '/sys/fs/cgroup/unified', root: '/' },
    });
  });

  it('moves /sys/fs/cgroup to a configured cgroupRoot (host tree mounted in a container)', () => {
    expect(findPidsHierarchies(parseMountinfo(MOUNTINFO), '/host/sys/fs/cgroup')).toEqual({
      v1: { version: 1, dir: '/host/sys/fs/cgroup/pids', root: '/' },
      v2: { version: 2, dir: '/host/sys/fs/cgroup/unified', root: '/' },
    });
  });

  it('prefers mounts already under cgroupRoot over the container’s own', () => {
    const text = `${MOUNTINFO}90 80 0:35 / /host/sys/fs/cgroup/pids ro - cgroup cgroup ro,pids
91 80 0:37 / /host/sys/fs/cgroup/unified ro - cgroup2 cgroup2 ro
`;
    expect(findPidsHierarchies(parseMountinfo(text), '/host/sys/fs/cgroup')).toEqual({
      v1: { version: 1, dir: '/host/sys/fs/cgroup/pids', root: '/' },
      v2: { version: 2, dir: '/host/sys/fs/cgroup/unified', root: '/' },
    });
  });

  it('pure v2 with a cgroup namespace root', () => {
    const text = '30 22 0:27 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n';
    expect(findPidsHierarchies(parseMountinfo(text))).toEqual({
      v1: null,
      v2: { version: 2, dir: '/sys/fs/cgroup', root: '/docker/abc' },
    });
  });
});

describe('pids cgroup files', () => {
  it('reads max, current, peak and events', () => {
    expect(parsePidsMax('max\n')).toBeNull();
    expect(parsePidsMax('64\n')).toBe(64);
    expect(parsePidsCurrent('3\n')).toBe(3);
    expect(parsePidsPeak('12\n')).toBe(12);
    expect(parsePidsEvents('max 5\n')).toEqual({ max: 5 });
    expect(parsePidsEvents('max 0\nmax.imposed 2\n')).toEqual({ max: 0, 'max.imposed': 2 });
  });
  it('throws EPARSE', () => {
    expectParseError(() => parsePidsMax('-1\n', 'pids.max'), 'pids.max', '-1\n');
    expectParseError(() => parsePidsCurrent('x', 'pids.current'), 'pids.current', 'x');
    expectParseError(() => parsePidsEvents('max\n', 'pids.events'), 'pids.events', 'max\n');
  });
});

describe('computeHostHeadroom', () => {
  const p = (over: Partial<ProcessRecord>): ProcessRecord =>
    testRecord({ pid: 1, ppid: 0, ...over });

  it('is min(pid_max − 300, threads-max) − tasks, with zombies and kernel threads counted', () => {
    const procs = [
      p({}),
      p({ state: 'Z' }),
      p({ kernelThread: true, state: 'I' }),
      p({ state: 'Z' }),
    ];
    expect(computeHostHeadroom(32768, 192729, 150, 999, countProcesses(procs))).toEqual({
      pidMax: 32768,
      threadsMax: 192729,
      tasks: 150,
      processes: 4,
      zombies: 2,
      kernelThreads: 1,
      headroom: 32768 - 300 - 150,
      lastPid: 999,
    });
    expect(computeHostHeadroom(4194304, 1000, 150, 1, countProcesses([])).headroom).toBe(850);
  });
});
