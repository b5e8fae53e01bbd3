import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Event } from '@pidscope/protocol';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tick } from '../../src/plugins/model.js';
import type { SampleCause } from '../../src/sampler/messages.js';
import { buildTestApp, waitFor } from '../helpers/app.js';
import { childrenOf, stateOf } from '../helpers/proc.js';
import { persistentMismatches } from '../helpers/reference.js';

// The event source's live tests. A safety rescan every 10 minutes: nothing seen here comes from it.
const NO_RESCAN = ['--rescan-ms', '600000'];
const TRUE = existsSync('/bin/busybox') ? '/bin/busybox true' : 'true';

const started: ChildProcess[] = [];
const extra: number[] = [];
afterEach(() => {
  const pids = [...extra.splice(0), ...started.splice(0).map((c) => c.pid as number)];
  for (const pid of [...pids, ...pids.flatMap(childrenOf)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function run(script: string, env: Record<string, string> = {}): ChildProcess {
  const c = spawn('sh', ['-c', script], { stdio: 'ignore', env: { ...process.env, ...env } });
  c.on('error', () => {});
  started.push(c);
  return c;
}

const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => c.once('exit', () => resolve()));

/** Each published tick with the cause of the sample that made it. */
function recordTicks(app: FastifyInstance): { tick: Tick; cause: SampleCause | undefined }[] {
  const ticks: { tick: Tick; cause: SampleCause | undefined }[] = [];
  app.model.onTick((tick) => ticks.push({ tick, cause: app.model.lastSample()?.cause }));
  return ticks;
}

function causeOf(
  ticks: ReturnType<typeof recordTicks>,
  match: (e: Event) => boolean,
): SampleCause | undefined {
  return ticks.find((t) => t.tick.events.some(match))?.cause;
}

describe('live: the event source', () => {
  it('runs here, and /healthz and the state say so', async () => {
    const app = await buildTestApp({ argv: NO_RESCAN });
    expect((await app.inject('/healthz')).json()).toMatchObject({
      status: 'ok',
      source: 'proc-connector',
      sourceReason: null,
      signals: 'pidfd',
      signalsReason: null,
    });
    expect(app.model.state().host).toMatchObject({ source: 'proc-connector', sourceReason: null });
  });

  it('reports a zombie, an exec and a reparenting from events, not from a scan', async () => {
    const app = await buildTestApp({ argv: NO_RESCAN });
    const ticks = recordTicks(app);

    // sh forks `true`, which exits at once, and execs `sleep`, which never reaps it.
    const parent = run(`${TRUE} & exec sleep 300`);
    const parentPid = parent.pid as number;
    const zombie = await waitFor(
      () => childrenOf(parentPid).find((pid) => stateOf(pid) === 'Z'),
      'the zombie',
    );
    await waitFor(
      () => app.model.events(0).find((e) => e.type === 'zombie-appeared' && e.pid === zombie),
      'zombie-appeared',
    );
    expect(causeOf(ticks, (e) => e.type === 'zombie-appeared' && e.pid === zombie)).toBe('events');
    // The exec: the same process, now sleep with its new argv.
    await waitFor(
      () => app.model.findProcess(parentPid)?.comm === 'sleep' || undefined,
      'the exec of sleep',
    );
    expect(app.model.findProcess(parentPid)?.cmdline).toEqual(['sleep', '300']);
    const execTick =
      ticks.find((t) =>
        t.tick.patch?.updated.some((u) => u.pid === parentPid && u.comm === 'sleep'),
      ) ??
      ticks.find((t) => t.tick.patch?.added.some((a) => a.pid === parentPid && a.comm === 'sleep'));
    expect(execTick?.cause).toBe('events');

    // Killing the parent hands the zombie to a reaper, which reaps it.
    process.kill(parentPid, 'SIGKILL');
    await waitFor(
      () => app.model.events(0).find((e) => e.type === 'zombie-reaped' && e.pid === zombie),
      'zombie-reaped',
    );
    expect(causeOf(ticks, (e) => e.type === 'exited' && e.pid === parentPid)).toBe('events');

    // A reparenting: the parent of a sleeping child dies.
    const shell = run('sleep 300 & wait');
    const child = await waitFor(() => childrenOf(shell.pid as number)[0], 'the sleep child');
    extra.push(child);
    await waitFor(() => app.model.findProcess(child), 'the agent to see the child');
    process.kill(shell.pid as number, 'SIGKILL');
    const event = await waitFor(
      () => app.model.events(0).find((e) => e.type === 'reparented' && e.pid === child),
      'reparented',
    );
    expect(event.oldPpid).toBe(shell.pid);
    expect(causeOf(ticks, (e) => e.type === 'reparented' && e.pid === child)).toBe('events');
    expect(app.model.sourceStats().periodicRescans).toBe(0);
  });

  it('holds /proc exactly after a fork storm of 5,000 processes and thousands of threads', async () => {
    const app = await buildTestApp({ argv: NO_RESCAN });
    // Survivors whose state must match to the letter: sleepers, and zombies of a non-reaping parent.
    const sleepers = Array.from({ length: 5 }, () => run('exec sleep 300'));
    const zombieParents = Array.from({ length: 3 }, () =>
      run(`${TRUE} & ${TRUE} & exec sleep 300`),
    );
    // 5,000 short-lived processes, 50 at a time.
    const storm = run(
      `i=0; while [ $i -lt 100 ]; do j=0; while [ $j -lt 50 ]; do ${TRUE} & j=$((j+1)); done; wait; i=$((i+1)); done`,
    );
    // Threads: node processes whose libuv pool starts 128 threads each, for a second.
    const threaders = Array.from({ length: 20 }, () =>
      run(
        `exec ${process.execPath} -e "for (let i = 0; i < 128; i++) require('node:fs').stat('/', () => {}); setTimeout(() => {}, 1000)"`,
        { UV_THREADPOOL_SIZE: '128' },
      ),
    );
    await Promise.all([exited(storm), ...threaders.map(exited)]);

    const zombies = zombieParents.flatMap((p) => childrenOf(p.pid as number));
    expect(zombies).toHaveLength(6);
    const ours = [...sleepers, ...zombieParents].map((c) => c.pid as number).concat(zombies);
    const exact = new Set<string>();
    for (const pid of ours) {
      const p = await waitFor(() => app.model.findProcess(pid), `the agent to hold ${pid}`);
      exact.add(`${pid}:${p.startTime}`);
    }
    const { compared, mismatches } = await persistentMismatches(
      () => app.model.state().processes,
      exact,
    );
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(ours.length);
    const counters = app.model.sourceStats().counters;
    expect(counters?.events.fork).toBeGreaterThanOrEqual(5000);
    expect(counters?.events.exit).toBeGreaterThanOrEqual(5000);
    expect(app.model.sourceStats().periodicRescans).toBe(0);
  }, 120_000);

  it('walks /proc at once when the queue overflows, counts it, and holds /proc exactly', async () => {
    // The smallest queue the kernel allows holds a handful of events.
    const app = await buildTestApp({ argv: [...NO_RESCAN, '--event-buffer-bytes', '1'] });
    const survivor = run(`${TRUE} & exec sleep 300`);
    const burst = run(
      `i=0; while [ $i -lt 10 ]; do j=0; while [ $j -lt 100 ]; do ${TRUE} & j=$((j+1)); done; wait; i=$((i+1)); done`,
    );
    await exited(burst);
    await waitFor(
      () => (app.model.sourceStats().counters?.overruns.enobufs ?? 0) > 0 || undefined,
      'a walk after an overflow',
    );
    const pid = survivor.pid as number;
    await waitFor(() => app.model.findProcess(pid)?.comm === 'sleep' || undefined, 'the survivor');
    const { mismatches } = await persistentMismatches(() => app.model.state().processes);
    expect(mismatches).toEqual([]);
    expect(app.model.sourceStats().periodicRescans).toBe(0);
  });
});
