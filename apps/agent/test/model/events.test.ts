import type { Process } from '@pidscope/protocol';
import { processKey } from '@pidscope/protocol';
import { testProcess } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import { containerEvents, processEvents, reaperKind } from '../../src/model/events.js';
import { CID, CNS, container } from '../helpers/fixtures.js';

const map = (ps: Process[]) => new Map(ps.map((p) => [processKey(p), p]));
const byPid = (ps: Process[]) => new Map(ps.map((p) => [p.pid, p]));

function events(prev: Process[], next: Process[]) {
  return processEvents(map(prev), map(next), byPid(next), 5000);
}

describe('processEvents', () => {
  it('zombie-appeared when a process turns Z, with container and in-container PID', () => {
    const init = testProcess({ pid: 50, nsPids: [50, 1], pidNs: CNS, containerId: CID });
    const before = testProcess({
      pid: 51,
      ppid: 50,
      nsPids: [51, 7],
      pidNs: CNS,
      containerId: CID,
    });
    const after = { ...before, state: 'Z', cmdline: [] };
    const [e, ...rest] = events([init, before], [init, after]);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({
      type: 'zombie-appeared',
      pid: 51,
      startTime: before.startTime,
      containerId: CID,
      nsPid: 7,
      at: 5000,
    });
  });

  it('[H9] zombie events name the parent: when it appeared, and the same one when reaped', () => {
    const parent = testProcess({ pid: 90, startTime: 900, comm: 'leaky' });
    const child = testProcess({ pid: 91, ppid: 90 });
    const zombie = { ...child, state: 'Z', cmdline: [] };
    const [appeared] = events([parent, child], [parent, zombie]);
    expect(appeared).toMatchObject({
      type: 'zombie-appeared',
      parentPid: 90,
      parentStartTime: 900,
      parentComm: 'leaky',
    });
    // The parent dies, the zombie goes to PID 1, which reaps it: the blame stays with `leaky`.
    const adopted = { ...zombie, ppid: 1 };
    const init = testProcess({ pid: 1, startTime: 1, comm: 'init' });
    const blamed = new Map([
      [processKey(zombie), { parentPid: 90, parentStartTime: 900, parentComm: 'leaky' }],
    ]);
    const reaped = processEvents(map([init, adopted]), map([init]), byPid([init]), 6000, blamed);
    expect(reaped).toEqual([
      expect.objectContaining({
        type: 'zombie-reaped',
        pid: 91,
        parentPid: 90,
        parentComm: 'leaky',
      }),
    ]);
    // Without a record of it, the last parent is named; one that cannot be seen, by PID alone.
    const [unknown] = processEvents(map([adopted]), map([]), byPid([]), 6000);
    expect(unknown).toMatchObject({ type: 'zombie-reaped', parentPid: 1 });
    expect(unknown?.parentComm).toBeUndefined();
  });

  it('zombie-appeared for a process first seen already as a zombie', () => {
    expect(events([], [testProcess({ pid: 60, state: 'Z' })]).map((e) => e.type)).toEqual([
      'zombie-appeared',
    ]);
  });

  it('zombie-reaped when a zombie goes, exited when a live process goes', () => {
    const z = testProcess({ pid: 61, state: 'Z' });
    const live = testProcess({ pid: 62 });
    expect(events([z, live], []).map((e) => [e.type, e.pid])).toEqual([
      ['zombie-reaped', 61],
      ['exited', 62],
    ]);
  });

  it('a reused PID with a new start time is an exit plus a new process, not a change', () => {
    const old = testProcess({ pid: 70, startTime: 1 });
    const reused = testProcess({ pid: 70, startTime: 2, ppid: 99 });
    expect(events([old], [reused]).map((e) => e.type)).toEqual(['exited']);
  });

  it('ignores kernel threads that come and go', () => {
    expect(events([testProcess({ pid: 80, kernelThread: true, ppid: 2 })], [])).toEqual([]);
  });

  it('reparented with old and new parent and the kind of reaper', () => {
    const hostInit = testProcess({ pid: 1, ppid: 0, comm: 'systemd' });
    const child = testProcess({ pid: 90, ppid: 89 });
    const [e] = events([hostInit, child], [hostInit, { ...child, ppid: 1 }]);
    expect(e).toMatchObject({
      type: 'reparented',
      pid: 90,
      oldPpid: 89,
      newPpid: 1,
      newParentKind: 'host-init',
    });
  });
});

describe('reaperKind', () => {
  const hostInit = testProcess({ pid: 1, ppid: 0 });
  const nsInit = testProcess({ pid: 50, nsPids: [50, 1], pidNs: CNS });
  const shim = testProcess({ pid: 40, comm: 'containerd-shim' });
  const child = testProcess({ pid: 51, nsPids: [51, 7], pidNs: CNS });
  it.each([
    ['host PID 1', { ...testProcess({ pid: 91 }), ppid: 1 }, hostInit, 'host-init'],
    ["its namespace's PID 1", { ...child, ppid: 50 }, nsInit, 'namespace-init'],
    ['another process (subreaper)', { ...testProcess({ pid: 92 }), ppid: 40 }, shim, 'subreaper'],
    [
      'a PID 1 of another namespace',
      { ...testProcess({ pid: 93 }), ppid: 50 },
      nsInit,
      'subreaper',
    ],
  ] as const)('new parent is %s', (_what, c, parent, kind) => {
    expect(reaperKind(c, parent)).toBe(kind);
  });
});

describe('containerEvents', () => {
  const initOf = () => testProcess({ pid: 5000, startTime: 77, comm: 'sleep' });
  it('container-started and container-stopped from the set of containers', () => {
    const c = container();
    const started = containerEvents(new Map(), new Map([[c.id, c]]), 1, initOf);
    expect(started).toMatchObject([
      { type: 'container-started', containerId: CID, pid: 5000, startTime: 77 },
    ]);
    const stopped = containerEvents(new Map([[c.id, c]]), new Map(), 2, () => undefined);
    expect(stopped).toMatchObject([
      { type: 'container-stopped', containerId: CID, pid: 0, startTime: 0 },
    ]);
  });

  it('pids-limit-hit when fork failures went up, with the total and the delta', () => {
    const before = container({ forkFailures: 2, pidsMax: 20 });
    const after = container({ forkFailures: 7, pidsMax: 20 });
    const [e] = containerEvents(new Map([[CID, before]]), new Map([[CID, after]]), 3, initOf);
    expect(e).toMatchObject({ type: 'pids-limit-hit', forkFailures: 7, delta: 5 });
    expect(containerEvents(new Map([[CID, after]]), new Map([[CID, after]]), 4, initOf)).toEqual(
      [],
    );
  });
});
