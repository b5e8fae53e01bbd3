// The event source's steady state on real processes, with what events cannot tell: the CPU pass
// ([S7]) reads a sleeper once a minute at least and once per sweep of the idle slices at most, not
// on every pass, and one that starts spinning (the host's /proc/stat then says CPU went unseen)
// within one sweep, then on every pass (passes are driven with the clock they are given, not
// waited for); the safety rescan reads what is new or gone, and what no read has seen for its bound.
import { spawn } from 'node:child_process';
import { CgroupReader, ProcScanner, readHostHeadroom } from '@pidscope/procfs';
import { cpuNews, processKey } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import {
  CPU_IDLE_QUIET_EVERY,
  CPU_IDLE_SLICES,
  CPU_REFRESH_MS,
  Sampling,
} from '../../src/sampler/sample.js';
import { waitFor } from '../helpers/app.js';
import { commOf, killedAfterEach, stateOf } from '../helpers/proc.js';

/** A real scanner that remembers which PIDs each read was given. */
class CountingScanner extends ProcScanner {
  readonly reads: number[][] = [];
  override update(pids: Iterable<number>, execed?: ReadonlySet<number>) {
    const list = [...pids];
    this.reads.push(list);
    return super.update(list, execed);
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kill = killedAfterEach();

/** A `sleep 600` the test kills afterwards, once it runs `sleep`. */
async function sleeper(): Promise<number> {
  const pid = spawn('sleep', ['600'], { stdio: 'ignore' }).pid as number;
  kill.push(pid);
  await waitFor(() => commOf(pid) === 'sleep', 'sleep to run');
  return pid;
}

describe('live: the steady state under kernel events', () => {
  it('reads a sleeper once a minute to once a sweep, and one that starts spinning within a sweep, then on every pass', async () => {
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    // Blocked in `read` until the test writes a line, then a busy loop of shell builtins: it
    // starts using CPU with no fork or exec, so no event says so.
    const spinner = spawn('sh', ['-c', 'read x; while :; do :; done'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const idle = sleeper.pid as number;
    const busy = spinner.pid as number;
    kill.push(idle, busy);
    await waitFor(() => commOf(idle) === 'sleep' && stateOf(busy) === 'S', 'both asleep');

    let now = Date.now();
    // The scanner keeps the passes' time too: its rules in time (CPU rates, how far apart two
    // reads that show no tick must be to call a process idle) see passes CPU_REFRESH_MS apart.
    const scanner = new CountingScanner({ cpuNews, clock: () => now });
    const sampling = new Sampling(scanner, new CgroupReader(), '/proc', readHostHeadroom);
    sampling.walk(true, 'scan');
    now = Date.now();
    /** One CPU pass: how often each of `pids` was read, and the CPU figure `busy` shows after it. */
    const pass = () => {
      now += CPU_REFRESH_MS;
      scanner.reads.length = 0;
      sampling.watch(true, now);
      const read = scanner.reads.flat();
      return {
        idle: read.filter((p) => p === idle).length,
        busy: read.filter((p) => p === busy).length,
        cpu: scanner.record(busy)?.cpu ?? Number.NaN,
        idleCpu: scanner.record(idle)?.cpu ?? Number.NaN,
      };
    };

    // The walk read every process once only: the first pass reads them all again.
    expect(pass()).toMatchObject({ idle: 1, busy: 1 });
    // Asleep, each is read once a minute at least (a slice a pass while the host's CPU time
    // is not all accounted for, one in CPU_IDLE_QUIET_EVERY passes while it is), and never
    // more than once a sweep of the slices.
    const asleep = [];
    for (let i = 0; i < CPU_IDLE_QUIET_EVERY * CPU_IDLE_SLICES; i++) asleep.push(pass());
    for (const role of ['idle', 'busy'] as const) {
      const reads = asleep.reduce((n, p) => n + p[role], 0);
      expect(reads).toBeGreaterThanOrEqual(1);
      expect(reads).toBeLessThanOrEqual(CPU_IDLE_QUIET_EVERY);
    }
    expect(asleep.every((p) => p.cpu === 0 && p.idleCpu === 0)).toBe(true);

    // It spins: the host's busy time (/proc/stat) grows by more than the processes read account
    // for, so the idle slices are read on every pass until it is found.
    spinner.stdin?.write('go\n');
    const woken = [];
    for (let i = 0; i < CPU_IDLE_SLICES; i++) {
      await pause(400);
      woken.push(pass());
    }
    const shown = woken.findIndex((p) => p.cpu > 0);
    expect(shown).toBeGreaterThanOrEqual(0);
    const spinning = [];
    for (let i = 0; i < CPU_IDLE_SLICES; i++) {
      await pause(150);
      spinning.push(pass());
    }
    expect(spinning.every((p) => p.busy === 1 && p.cpu > 0)).toBe(true);
    expect(spinning.reduce((n, p) => n + p.idle, 0)).toBeLessThanOrEqual(1);
    expect([...woken, ...spinning].every((p) => p.idleCpu === 0)).toBe(true);
    scanner.close();
  });

  it('rescans: reads what is new or gone, and a process no read has seen for the bound', async () => {
    const stopped = await sleeper();
    const gone = await sleeper();
    const scanner = new CountingScanner({ cpuNews });
    const sampling = new Sampling(scanner, new CgroupReader(), '/proc', readHostHeadroom);
    sampling.walk(true, 'scan');
    // What no event told (no event source runs here): a process started, one gone, one stopped.
    const goneKey = processKey({ pid: gone, startTime: scanner.record(gone)?.startTime ?? -1 });
    process.kill(gone, 'SIGKILL');
    await waitFor(() => commOf(gone) === null, 'the killed one to be reaped');
    const late = await sleeper();
    process.kill(stopped, 'SIGSTOP');
    await waitFor(() => stateOf(stopped) === 'T', 'the stop');

    const first = sampling.rescan();
    expect(first.cause).toBe('scan');
    expect(first.changed.map((p) => p.pid)).toContain(late);
    expect(first.removed).toContain(goneKey);
    // The walk read it since: not read again, where a walk reads every process each time.
    expect(scanner.reads.flat()).not.toContain(stopped);
    expect(scanner.record(stopped)?.state).toBe('S');

    // Not read for the bound (0 here; READ_AT_LEAST_EVERY_MS by default): read again.
    const second = sampling.rescan(0);
    expect(second.changed.find((p) => p.pid === stopped)?.state).toBe('T');
    expect(scanner.record(late)?.comm).toBe('sleep');
    scanner.close();
  });
});
