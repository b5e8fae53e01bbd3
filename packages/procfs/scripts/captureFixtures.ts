/**
 * Refreshes test/fixtures: `npm run fixtures -w @pidscope/procfs` (as root, Docker running,
 * image pidscope/busybox:local present).
 *
 * It starts, for real: a zombie on the host, a process whose command name holds spaces, `(`,
 * `)` and a newline, a multi-threaded process, a stopped shell that ignores SIGTERM and has a
 * SIGUSR1 handler and a SIGUSR1 pending, a two-level nested PID namespace, and a Docker container
 * (with --pids-limit) whose PID 1 does not reap, so that it holds a zombie. Host processes get a
 * small environment of their own (FIXTURE_ENV), never this machine's. It then
 * copies the files this package reads for those PIDs (plus kthreadd, a kernel thread) into
 * test/fixtures/proc, the container's pids cgroup files into test/fixtures/cgroup, and writes
 * test/fixtures/expected.json: what the capture knows independently (roles, ids) and the records
 * the scanner reads from the captured tree. Review the diff of expected.json before committing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcScanner, signalMaskHas } from '../src/index.js';
import {
  childrenOf,
  containerPid,
  descendants,
  ProcessPool,
  removeContainers,
  requireBusyboxImage,
  runContainer,
  stateOf,
  uniqueTestId,
  waitFor,
} from '../test/support/live.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(here, '../test/fixtures');
const procOut = join(fixtures, 'proc');
const cgroupOut = join(fixtures, 'cgroup');
/** The command name under test: spaces, both parentheses (in the order that fools naive parsers) and a newline, 13 bytes. */
const WEIRD_COMM = 'evil) (x\ny z';
const PIDS_LIMIT = 64;
const SIGUSR1 = 10;
const SIGTERM = 15;

const PER_PID_FILES = ['stat', 'status', 'cmdline', 'cgroup', 'limits'];
/** The environment of every host process started here: what their captured environ holds. */
const FIXTURE_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', PIDSCOPE_FIXTURE: 'environ' };

function nsPidsOf(pid: number): number[] {
  const m = /\nNSpid:\s+([^\n]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? (m[1] as string).trim().split(/\s+/).map(Number) : [];
}

/** The value of a status line such as `ShdPnd`, or null when absent. */
function statusLine(pid: number, key: string): string | null {
  const m = new RegExp(`\\n${key}:\\s+([^\\n]+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? (m[1] as string).trim() : null;
}

function threadsOf(pid: number): number {
  return Number(/\nThreads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

function copyProcess(pid: number): void {
  const dir = join(procOut, String(pid));
  mkdirSync(join(dir, 'ns'), { recursive: true });
  for (const name of PER_PID_FILES) {
    writeFileSync(join(dir, name), readFileSync(`/proc/${pid}/${name}`));
  }
  try {
    writeFileSync(join(dir, 'environ'), readFileSync(`/proc/${pid}/environ`));
  } catch (err) {
    // A zombie's environ reads ESRCH: left out, as a vanished file.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
  try {
    symlinkSync(readlinkSync(`/proc/${pid}/ns/pid`), join(dir, 'ns', 'pid'));
  } catch (err) {
    // Left out when the kernel refuses it (kept as-is: the reader must cope).
    if ((err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
  }
}

function copyRootFiles(): void {
  for (const name of ['loadavg', 'stat', 'sys/kernel/pid_max', 'sys/kernel/threads-max']) {
    mkdirSync(dirname(join(procOut, name)), { recursive: true });
    writeFileSync(join(procOut, name), readFileSync(`/proc/${name}`));
  }
  // Only the mounts the reader looks at: the rest would name paths of this machine.
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => {
      const mountPoint = line.split(' ')[4] ?? '';
      return ['/', '/proc', '/sys'].includes(mountPoint) || mountPoint.startsWith('/sys/fs/cgroup');
    })
    .join('\n');
  mkdirSync(join(procOut, 'self'), { recursive: true });
  writeFileSync(join(procOut, 'self', 'mountinfo'), `${mountinfo}\n`);
}

function copyPidsCgroup(path: string): void {
  for (let p = path; p !== '/' && p !== ''; p = p.slice(0, p.lastIndexOf('/')) || '/') {
    const from = `/sys/fs/cgroup/pids${p}`;
    const to = join(cgroupOut, 'pids', p);
    mkdirSync(to, { recursive: true });
    for (const name of ['pids.max', 'pids.current', 'pids.events', 'pids.peak']) {
      writeFileSync(join(to, name), readFileSync(`${from}/${name}`));
    }
  }
}

const pool = new ProcessPool();
const testId = uniqueTestId('fixtures');
try {
  requireBusyboxImage();

  // A zombie on the host: sh starts `sleep 0` in the background, then becomes `sleep 600`,
  // which never waits for it.
  const zombieParent = pool.start('sh', ['-c', 'sleep 0 & exec sleep 600'], FIXTURE_ENV)
    .pid as number;
  const zombie = await waitFor('host zombie', () =>
    childrenOf(zombieParent).find((c) => stateOf(c) === 'Z'),
  );

  // The shell renames itself (comm can only be written by its own thread group), then waits.
  const weird = pool.start(
    'sh',
    ['-c', `printf '${WEIRD_COMM.replace('\n', '\\n')}' > /proc/$$/comm; sleep 600; exit 0`],
    FIXTURE_ENV,
  ).pid as number;
  await waitFor('renamed shell', () =>
    readFileSync(`/proc/${weird}/comm`, 'utf8') === `${WEIRD_COMM}\n` ? true : undefined,
  );
  for (const c of childrenOf(weird)) pool.track(c);

  const threaded = pool.start(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], FIXTURE_ENV)
    .pid as number;
  await waitFor('threads', () => (threadsOf(threaded) > 1 ? true : undefined));

  // A shell that ignores SIGTERM and catches SIGUSR1, stopped, then sent SIGUSR1: the signal
  // waits in the process's shared pending set until it is continued.
  const signals = pool.start(
    'sh',
    ['-c', "trap '' TERM; trap 'exit 0' USR1; sleep 600 & wait; exit 0"],
    FIXTURE_ENV,
  ).pid as number;
  await waitFor('traps set', () =>
    childrenOf(signals).length > 0 && signalMaskHas(statusLine(signals, 'SigIgn'), SIGTERM)
      ? true
      : undefined,
  );
  for (const c of childrenOf(signals)) pool.track(c);
  process.kill(signals, 'SIGSTOP');
  await waitFor('stopped', () => (stateOf(signals) === 'T' ? true : undefined));
  process.kill(signals, 'SIGUSR1');
  await waitFor('SIGUSR1 pending', () =>
    signalMaskHas(statusLine(signals, 'ShdPnd'), SIGUSR1) ? true : undefined,
  );

  // Two nested PID namespaces: the host sees the innermost sleep as NSpid <host> <n> 1.
  const unshare = pool.start(
    'unshare',
    [
      '--pid',
      '--fork',
      '--mount-proc',
      '--kill-child',
      'sh',
      '-c',
      'unshare --pid --fork --mount-proc --kill-child sleep 600; exit 0',
    ],
    FIXTURE_ENV,
  ).pid as number;
  const innermost = await waitFor('nested namespace', () =>
    descendants(unshare).find((p) => nsPidsOf(p).length === 3 && stateOf(p) === 'S'),
  );
  const nestedChain = descendants(unshare);
  for (const p of nestedChain) pool.track(p);
  const levelOneInit = nestedChain.find((p) => nsPidsOf(p).length === 2 && nsPidsOf(p)[1] === 1);

  // A container whose PID 1 (sleep) never reaps: the orphaned `sleep 1` becomes its zombie.
  const containerId = runContainer(
    testId,
    ['--pids-limit', String(PIDS_LIMIT)],
    ['sh', '-c', '(sleep 1 &); exec sleep 600'],
  );
  const containerInit = containerPid(containerId);
  const containerZombie = await waitFor('container zombie', () =>
    childrenOf(containerInit).find((c) => stateOf(c) === 'Z'),
  );

  rmSync(procOut, { recursive: true, force: true });
  rmSync(cgroupOut, { recursive: true, force: true });
  const captured = [
    2,
    zombieParent,
    zombie,
    weird,
    threaded,
    signals,
    unshare,
    ...(levelOneInit === undefined ? [] : [levelOneInit]),
    innermost,
    containerInit,
    containerZombie,
  ];
  for (const pid of captured) copyProcess(pid);
  copyRootFiles();
  copyPidsCgroup(`/docker/${containerId}`);

  const scanner = new ProcScanner({ root: procOut, pageSize: 4096 });
  const records = scanner.scan().processes.sort((a, b) => a.pid - b.pid);
  scanner.close();
  const expected = {
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
    roles: {
      kernelThread: 2,
      hostZombie: { pid: zombie, parent: zombieParent },
      weirdComm: { pid: weird, comm: WEIRD_COMM },
      multiThreaded: threaded,
      signals: { pid: signals, ignored: 'SIGTERM', caught: 'SIGUSR1', pending: 'SIGUSR1' },
      environ: { pid: weird, entries: Object.entries(FIXTURE_ENV).map(([k, v]) => `${k}=${v}`) },
      nested: {
        outer: unshare,
        levelOneInit: levelOneInit ?? null,
        innermost,
        nsPids: nsPidsOf(innermost),
      },
      container: {
        id: containerId,
        init: containerInit,
        zombie: containerZombie,
        zombieNsPids: nsPidsOf(containerZombie),
        pidsLimit: PIDS_LIMIT,
      },
    },
    records,
  };
  writeFileSync(join(fixtures, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
  execFileSync('npx', ['biome', 'format', '--write', join(fixtures, 'expected.json')], {
    stdio: 'inherit',
  });
  console.log(`captured ${captured.length} processes into ${procOut}`);
} finally {
  pool.stopAll();
  removeContainers(testId);
}
