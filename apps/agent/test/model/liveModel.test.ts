import { type HostHeadroom, type ProcessRecord, recordChanges } from '@pidscope/procfs';
import { type DockerStatus, processKey } from '@pidscope/protocol';
import { testRecord } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import type { DockerContainer } from '../../src/model/containers.js';
import { type DockerView, LiveModel } from '../../src/model/liveModel.js';
import type { Sample } from '../../src/sampler/messages.js';
import { CID, CNS } from '../helpers/fixtures.js';

const HOST: HostHeadroom = {
  pidMax: 32768,
  threadsMax: 100000,
  tasks: 10,
  processes: 3,
  zombies: 0,
  kernelThreads: 0,
  headroom: 32458,
  lastPid: 99,
};
/** What Docker says of container CID. */
const WEB: DockerContainer = {
  id: CID,
  name: 'web',
  image: 'busybox',
  state: 'running',
  initPid: 5000,
  hasInit: true,
  pidsLimit: 20,
  labels: { a: 'b' },
  execs: [],
};
/** The pids cgroup of container CID: 2 tasks of 20. */
const PIDS_CGROUP = {
  path: `/docker/${CID}`,
  dir: '',
  version: 1 as const,
  current: 2,
  max: 20,
  effectiveMax: 20,
  forkFailures: 0,
  peak: 3,
};
const UP: DockerStatus = { available: true, reason: null, version: '20.10' };
const DOWN: DockerStatus = { available: false, reason: 'connect ENOENT /x.sock', version: null };

/**
 * Samples of whole process lists, one model's worth, as the scanner makes them: what changed
 * since the previous list (records compared by identity), and the keys gone.
 */
function samples() {
  let previous = new Map<number, ProcessRecord>();
  return (at: number, processes: ProcessRecord[], cgroups: Sample['cgroups'] = {}): Sample => {
    const next = new Map(processes.map((r) => [r.pid, r]));
    const { changed, removed } = recordChanges(previous, next);
    previous = next;
    return {
      changed,
      removed: removed.map(processKey),
      full: false,
      cause: 'scan',
      at,
      durationMs: 5,
      vanished: 0,
      host: HOST,
      cgroups,
    };
  };
}

const noDocker: DockerView = { status: DOWN, containers: new Map() };

describe('LiveModel', () => {
  it('bumps seq only on updates that change something', () => {
    const m = new LiveModel('vm', DOWN);
    const sample = samples();
    const procs = [testRecord({ pid: 1, ppid: 0 }), testRecord({ pid: 10 })];
    const first = m.applySample(sample(1000, procs), noDocker);
    expect(first.state.seq).toBe(1);
    expect(first.events).toEqual([]);
    const same = m.applySample(sample(2000, procs), noDocker);
    expect(same.patch).toBeNull();
    expect(m.state.seq).toBe(1);
    const changed = m.applySample(sample(3000, [...procs, testRecord({ pid: 11 })]), noDocker);
    expect(changed.state.seq).toBe(2);
    expect(changed.patch).toMatchObject({ seq: 2, baseSeq: 1 });
    expect(changed.patch?.added.map((p) => p.pid)).toEqual([11]);
  });

  it('keeps every process in (pid, start time) order through births, deaths, reused PIDs and updates', () => {
    const m = new LiveModel('vm', DOWN);
    const sample = samples();
    // A small deterministic shuffle of PIDs: some live on, some die, some are reused.
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let procs = new Map<number, ProcessRecord>([[1, testRecord({ pid: 1, ppid: 0 })]]);
    for (let step = 1; step <= 40; step++) {
      const next = new Map(procs);
      for (let k = 0; k < 6; k++) {
        const pid = 2 + rand(60);
        const had = next.get(pid);
        const roll = rand(3);
        if (roll === 0) next.set(pid, testRecord({ pid, startTime: step * 100 + k }));
        else if (roll === 1 && had) next.delete(pid);
        else if (had) next.set(pid, { ...had, threads: had.threads + 1 });
      }
      procs = next;
      const tick = m.applySample(sample(step * 1000, [...procs.values()]), noDocker);
      const order = tick.state.processes.map((p) => `${p.pid}:${p.startTime}`);
      const expected = [...procs.values()]
        .sort((a, b) => a.pid - b.pid || a.startTime - b.startTime)
        .map((p) => `${p.pid}:${p.startTime}`);
      expect(order).toEqual(expected);
    }
  });

  it('keeps zombieSince from the scan that first saw the zombie', () => {
    const m = new LiveModel('vm', DOWN);
    const sample = samples();
    const init = testRecord({ pid: 1, ppid: 0 });
    m.applySample(sample(1000, [init, testRecord({ pid: 10 })]), noDocker);
    m.applySample(sample(2000, [init, testRecord({ pid: 10, state: 'Z' })]), noDocker);
    m.applySample(sample(3000, [init, testRecord({ pid: 10, state: 'Z' })]), noDocker);
    expect(m.findProcess(10)?.zombieSince).toBe(2000);
    expect(m.zombieAnalysis(10, 5000)).toMatchObject({ zombieSince: 2000, ageMs: 3000 });
    expect(m.events(0).map((e) => [e.type, e.pid, e.at])).toEqual([['zombie-appeared', 10, 2000]]);
    expect(m.events(2001)).toEqual([]);
  });

  it('joins Docker with attribution, keeps names while Docker is away, and drops stopped containers', () => {
    const m = new LiveModel('vm', UP);
    const sample = samples();
    const init = testRecord({
      pid: 5000,
      nsPids: [5000, 1],
      pidNs: CNS,
      containerId: CID,
      runtime: 'docker',
    });
    const cg = PIDS_CGROUP;
    const d = WEB;
    const docker: DockerView = { status: UP, containers: new Map([[CID, d]]) };
    m.applySample(sample(1000, [testRecord({ pid: 1, ppid: 0 })]), {
      status: UP,
      containers: new Map(),
    });
    const started = m.applySample(
      sample(2000, [testRecord({ pid: 1, ppid: 0 }), init], { [CID]: cg }),
      docker,
    );
    expect(m.container(CID)).toMatchObject({
      name: 'web',
      initPid: 5000,
      hasInit: true,
      pidsCurrent: 2,
      pidsMax: 20,
      labels: { a: 'b' },
    });
    expect(m.container(CID.slice(0, 12))?.id).toBe(CID);
    expect(started.events.map((e) => e.type)).toContain('container-started');

    const away = m.applyDocker({ status: DOWN, containers: docker.containers }, 2500);
    expect(away.patch?.docker).toEqual(DOWN);
    expect(m.container(CID)?.name).toBe('web');

    const stopped = m.applySample(sample(3000, [testRecord({ pid: 1, ppid: 0 })]), {
      status: DOWN,
      containers: docker.containers,
    });
    expect(stopped.events.map((e) => e.type)).toContain('container-stopped');
    expect(m.container(CID)).toBeUndefined();
  });

  it('keeps its containers while a sample touches none of their processes, cgroups or Docker', () => {
    const m = new LiveModel('vm', UP);
    const sample = samples();
    const init = testRecord({ pid: 5000, nsPids: [5000, 1], pidNs: CNS, containerId: CID });
    const child = testRecord({
      pid: 5001,
      ppid: 5000,
      nsPids: [5001, 2],
      pidNs: CNS,
      containerId: CID,
    });
    const cg = PIDS_CGROUP;
    const docker: DockerView = { status: UP, containers: new Map() };
    const host = testRecord({ pid: 1, ppid: 0 });
    m.applySample(sample(1000, [host, child], { [CID]: cg }), docker);
    const built = m.container(CID);
    expect(built).toMatchObject({ pidsCurrent: 2, initPid: null });

    // A host process comes, the cgroups read the same (a new object, as from the worker): the
    // container is the very same object, not one rebuilt from every process.
    const shell = testRecord({ pid: 10 });
    m.applySample(sample(2000, [host, child, shell], { [CID]: { ...cg } }), docker);
    expect(m.container(CID)).toBe(built);

    // Each of its inputs moving rebuilds it: its cgroup, its processes, Docker's view.
    const cg3 = { ...cg, current: 3 };
    m.applySample(sample(3000, [host, child, shell], { [CID]: cg3 }), docker);
    expect(m.container(CID)?.pidsCurrent).toBe(3);
    m.applySample(sample(4000, [host, init, child, shell], { [CID]: cg3 }), docker);
    expect(m.container(CID)?.initPid).toBe(5000);
    const d = WEB;
    const named: DockerView = { status: UP, containers: new Map([[CID, d]]) };
    m.applySample(sample(5000, [host, init, child, shell], { [CID]: cg3 }), named);
    expect(m.container(CID)?.name).toBe('web');
  });

  it('drops an estimate the clock alone ends, without a new sample (commit)', () => {
    const m = new LiveModel('vm', UP);
    const sample = samples();
    const init = testRecord({ pid: 5000, pidNs: CNS, containerId: CID, runtime: 'docker' });
    const procs = [testRecord({ pid: 1, ppid: 0 }), init];
    const cg = (current: number) => ({
      [CID]: {
        path: `/docker/${CID}`,
        dir: '',
        version: 1 as const,
        current,
        max: 1000,
        effectiveMax: 1000,
        forkFailures: 0,
        peak: current,
      },
    });
    let at = 0;
    for (let i = 0; i <= 90; i++) {
      at = 1000 * i;
      const s = sample(at, procs, cg(2 + i));
      m.applySample(
        { ...s, host: { ...HOST, tasks: 10 + i, headroom: HOST.headroom - i } },
        noDocker,
      );
    }
    expect(m.state.host.etaSeconds).not.toBeNull();
    expect(m.container(CID)?.etaSeconds).not.toBeNull();
    expect(m.estimating).toBe(true);
    const processes = m.state.processes;
    while (m.estimating && at < 300_000) {
      at += 1000;
      m.commit(at);
    }
    expect(m.state.host.etaSeconds).toBeNull();
    expect(m.container(CID)?.etaSeconds).toBeNull();
    expect(m.container(CID)?.pidsCurrent).toBe(92);
    expect(m.state.processes).toBe(processes);
  });

  it('publishes recorded events with the next update, with increasing ids', () => {
    const m = new LiveModel('vm', DOWN);
    const sample = samples();
    m.applySample(sample(1000, [testRecord({ pid: 1, ppid: 0 })]), noDocker);
    m.recordEvent({
      type: 'exited',
      at: 1500,
      pid: 42,
      startTime: 7,
      containerId: null,
      message: 'signal sent',
    });
    const t = m.applyDocker(noDocker, 1500);
    expect(t.events).toMatchObject([{ id: 1, type: 'exited', pid: 42 }]);
    expect(t.state.seq).toBe(2);
  });
});

/** 41 process lists of a busy host: a first one, then 40 ticks of exits, changes and forks. */
function busyHost(): ProcessRecord[][] {
  let records = Array.from({ length: 200 }, (_, i) =>
    testRecord({ pid: i + 2, ppid: i < 20 ? 1 : 2 + (i % 20) }),
  );
  records.unshift(testRecord({ pid: 1, ppid: 0 }));
  const lists = [records];
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let nextPid = 1000;
  for (let t = 1; t <= 40; t++) {
    records = records
      .filter((r) => r.pid === 1 || rand(20) !== 0)
      .map((r) => {
        const roll = rand(30);
        if (roll === 0) return { ...r, state: 'Z', cmdline: [] };
        if (roll === 1) return { ...r, ppid: 1 };
        if (roll === 2) return { ...r, rssBytes: r.rssBytes + 4096 };
        return r;
      });
    for (let i = rand(5) + 1; i > 0; i--) records.push(testRecord({ pid: nextPid++, ppid: 1 }));
    // A PID freed earlier, reused: a new process in the middle of the order.
    const taken = new Set(records.map((r) => r.pid));
    const reused = 2 + rand(200);
    if (!taken.has(reused)) records.push(testRecord({ pid: reused, ppid: 1, startTime: 500 + t }));
    lists.push(records);
  }
  return lists;
}

describe('LiveModel patches', () => {
  it('equal the protocol diff of the full states, tick after tick', async () => {
    const { diff } = await import('@pidscope/protocol');
    const m = new LiveModel('vm', DOWN);
    const sample = samples();
    const [first, ...ticks] = busyHost();
    m.applySample(sample(1000, first as ProcessRecord[]), noDocker);
    for (const [t, records] of ticks.entries()) {
      const before = m.state;
      const tick = m.applySample(sample(2000 + t * 1000, records), noDocker);
      expect(tick.patch).not.toBeNull();
      expect(tick.patch).toEqual(diff(before, tick.state, tick.events));
      // [S2]: every process, in PID order.
      expect(tick.state.processes.map((p) => p.pid)).toEqual(
        records.map((r) => r.pid).sort((a, b) => a - b),
      );
    }
  });

  it('are the same when some samples are full (a new sampler, or after a failed apply)', () => {
    const byChanges = new LiveModel('vm', DOWN);
    const mixed = new LiveModel('vm', DOWN);
    const sample = samples();
    for (const [t, records] of busyHost().entries()) {
      const s = sample(1000 + t * 1000, records);
      const a = byChanges.applySample(s, noDocker);
      const full = t % 3 === 1 ? { ...s, changed: records, removed: [], full: true } : s;
      const b = mixed.applySample(full, noDocker);
      expect(b.patch).toEqual(a.patch);
      expect(mixed.state).toEqual(byChanges.state);
    }
  });
});
