import type { Container, Process } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { adoptedFates, indexState, sameShape, totalsOf } from '../src/model/derive.js';
import { containerLevel, History, hostLevel, levelOf } from '../src/model/headroom.js';
import { lowerBoundOf, parseKey } from '../src/model/keys.js';
import { processLabel } from '../src/model/labels.js';
import { layoutInput } from '../src/model/layout.js';
import { findMatches } from '../src/model/search.js';
import {
  CLOCK_MS,
  LiveStore,
  MAX_EVENTS,
  PATCH_GRACE_MS,
  REPARENT_MARK_MS,
} from '../src/model/store.js';
import { readSelection, withSelection } from '../src/net/session.js';
import {
  CONTAINER_ID,
  container,
  containers,
  event,
  host,
  proc,
  processes,
  state,
} from './fixtures/hosts.js';

describe('headroom levels', () => {
  it.each([
    [10, 100, 'ok'],
    [74, 100, 'ok'],
    [75, 100, 'amber'],
    [89, 100, 'amber'],
    [90, 100, 'red'],
    [120, 100, 'red'],
    [5000, null, 'ok'],
  ] as const)('%i of %s is %s', (used, limit, level) => {
    expect(levelOf(used, limit)).toBe(level);
  });

  it('host: by tasks against min(pid_max - 300, threads-max), red at no headroom', () => {
    expect(hostLevel(host)).toBe('ok');
    expect(hostLevel({ ...host, tasks: 26_000 })).toBe('amber');
    expect(hostLevel({ ...host, threadsMax: 1000, tasks: 950 })).toBe('red');
    expect(hostLevel({ ...host, headroom: 0 })).toBe('red');
  });

  it('container: fork failures make it amber, rising ones red', () => {
    const c = container({ id: 'x', name: 'x', pidsCurrent: 5, pidsMax: 100 });
    expect(containerLevel(c, false)).toBe('ok');
    expect(containerLevel({ ...c, forkFailures: 3 }, false)).toBe('amber');
    expect(containerLevel({ ...c, forkFailures: 3 }, true)).toBe('red');
  });
});

describe('History', () => {
  it('keeps a bounded window and tells whether a series rose recently', () => {
    const h = new History(10_000, 5);
    for (let t = 0; t <= 20_000; t += 1000) h.push('a', t, t < 15_000 ? 1 : 2);
    expect(h.get('a')).toHaveLength(5);
    expect(h.get('a')[0]?.at).toBe(16_000);
    const g = new History();
    for (let t = 0; t < 10; t++) g.push('ff', t * 1000, t < 3 ? 0 : 4);
    expect(g.roseWithin('ff', 9000, 60_000)).toBe(true);
    expect(g.roseWithin('ff', 9000, 5000)).toBe(false);
  });

  it('follows the live samples after the recorded ones once the live window is full', () => {
    const h = new History(10_000, 600);
    h.seed('a', [{ at: -60_000, value: 7 }]);
    for (let t = 0; t <= 30_000; t += 1000) {
      h.push('a', t, t);
      expect(h.get('a').at(-1)).toEqual({ at: t, value: t });
    }
    expect(h.get('a')[0]).toEqual({ at: -60_000, value: 7 });
  });
});

describe('identities', () => {
  const list = [
    { pid: 1, startTime: 10 },
    { pid: 7, startTime: 5 },
    { pid: 7, startTime: 9 },
    { pid: 30, startTime: 1 },
  ];
  const at = (i: number) => list[i] as { pid: number; startTime: number };
  it.each([
    [0, 0, 0],
    [1, 10, 0],
    [7, 0, 1],
    [7, 9, 2],
    [7, 10, 3],
    [8, -Infinity, 3],
    [31, 0, 4],
  ])('the first at or after %i:%s is position %i', (pid, start, pos) => {
    const bound = (p: number, s: number) =>
      lowerBoundOf(
        list.length,
        (i) => at(i).pid,
        (i) => at(i).startTime,
        p,
        s,
      );
    expect(bound(pid, start)).toBe(pos);
    expect(
      lowerBoundOf(
        0,
        () => 0,
        () => 0,
        pid,
        start,
      ),
    ).toBe(0);
  });

  it.each(['', '12', '12:', ':3', '1:2:3', '-1:2', 'a:b', '__proto__'])('%j is not a key', (k) => {
    expect(parseKey(k)).toBeNull();
  });
});

describe('find', () => {
  it('matches numbers exactly against host and container PIDs, text against comm and cmdline', () => {
    expect([...findMatches(processes, '1')].sort()).toEqual(['1:10', '4425:44250']);
    expect([...findMatches(processes, 'SHD')]).toEqual(['500:5000']);
    expect([...findMatches(processes, 'fd://')]).toEqual(['300:3000']);
    expect(findMatches(processes, '  ').size).toBe(0);
  });
});

describe('processLabel', () => {
  it('names comm, host PID, container PID, CPU and memory when there is any, and zombie', () => {
    expect(processes.map((p) => processLabel(p)).slice(6, 8)).toEqual([
      'sleep, PID 4425, container PID 1, rss 4.1 kB',
      'sleep, PID 4430, container PID 7, zombie',
    ]);
    const busy = { ...(processes[6] as Process), cpu: 37, rssBytes: 120_000_000 };
    expect(processLabel(busy)).toBe('sleep, PID 4425, container PID 1, cpu 37%, rss 120 MB');
    expect(processLabel({ ...busy, cpu: 250, rssBytes: 1_234_000_000 })).toContain(
      'cpu 250%, rss 1.2 GB',
    );
  });
});

describe('docker exec sessions and adopted processes', () => {
  const shell = processes.find((p) => p.pid === 4431) as Process;
  const session = {
    id: 'e'.repeat(64),
    command: ['sh', '-c', 'while true; do sleep 1; done'],
    user: '1000',
    tty: false,
    pid: 4431,
    startTime: shell.startTime,
  };

  it('[S10] a session labels its process, in its accessible name too', () => {
    const s = state({ containers: [{ ...(containers[0] as Container), execs: [session] }] });
    const index = indexState(s);
    expect(index.execs.get(`4431:${shell.startTime}`)).toEqual(session);
    expect(index.execs.size).toBe(1);
    expect(processLabel(shell, session)).toBe(
      "sh, PID 4431, container PID 8, rss 4.1 kB, exec: sh -c 'while true; do sleep 1; done'",
    );
  });

  it('[S11] a process adopted by a PID 1 that does not reap is flagged; with --init it is not', () => {
    const moved = event({
      id: 1,
      type: 'reparented',
      pid: 4431,
      startTime: shell.startTime,
      newPpid: 4425,
      newParentKind: 'namespace-init',
    });
    const index = indexState(state());
    const byId = new Map(containers.map((c) => [c.id, c]));
    const fates = adoptedFates([moved], index, byId);
    expect(fates.get(`4431:${shell.startTime}`)).toMatchObject({ reaped: false });
    expect(processLabel(shell, undefined, fates.get(`4431:${shell.startTime}`))).toMatch(
      /will stay a zombie when it exits$/,
    );
    const withInit = new Map(containers.map((c) => [c.id, { ...c, hasInit: true }]));
    expect(adoptedFates([moved], index, withInit).size).toBe(0);
    // The zombie under PID 1 has the agent's own analysis.
    const zombie = { ...moved, pid: 4430, startTime: (processes[7] as Process).startTime };
    expect(adoptedFates([zombie], index, byId).size).toBe(0);
  });
});

describe('LiveStore', () => {
  it('applies patches, keeps events once each, and expires reparent marks', () => {
    const store = new LiveStore();
    store.showSnapshot(state({ seq: 1 }), 0);
    const moved = event({ id: 1, type: 'reparented', pid: 778, startTime: 99_100 });
    store.showPatch(state({ seq: 2 }), [moved], 1000);
    store.addEvents([moved, event({ id: 2, type: 'exited', pid: 12 })], 1500);
    const v = store.getSnapshot();
    expect(v.state?.seq).toBe(2);
    expect(v.events.map((e) => e.id)).toEqual([1, 2]);
    expect(v.reparented.has('778:99100')).toBe(true);
    store.tick(1000 + REPARENT_MARK_MS + 1);
    expect(store.getSnapshot().reparented.size).toBe(0);
  });

  it('keeps the newest MAX_EVENTS events in order, in two lists that take turns', () => {
    const store = new LiveStore();
    store.showSnapshot(state({ seq: 1 }), 0);
    const lists: (readonly unknown[])[] = [];
    let id = 0;
    for (let seq = 1; seq <= 4; seq++) {
      const events = Array.from({ length: 600 }, () =>
        event({ id: ++id, type: 'exited', pid: 12 }),
      );
      store.showPatch(state({ seq: seq + 1 }), events, seq * 1000);
      lists.push(store.getSnapshot().events);
    }
    const ids = store.getSnapshot().events.map((e) => e.id);
    expect(ids).toHaveLength(MAX_EVENTS);
    expect(ids[0]).toBe(id - MAX_EVENTS + 1);
    expect(ids.at(-1)).toBe(id);
    expect(ids.every((x, i) => i === 0 || x === (ids[i - 1] as number) + 1)).toBe(true);
    expect(lists[2]).toBe(lists[0]);
    expect(lists[3]).toBe(lists[1]);
    expect(lists[1]).not.toBe(lists[0]);
    // The list before the one shown is whole: the newest 1,000 of the first 1,800.
    expect((lists[2] as { id: number }[]).map((e) => e.id).slice(-1)).toEqual([1800]);
  });

  it('ticks the clock only when no snapshot or patch moved it for a second and a grace', () => {
    const store = new LiveStore();
    store.showSnapshot(state({ seq: 1 }), 10_000);
    const after = store.getSnapshot();
    // A patch a second later is due about now: the clock leaves the render to it.
    store.tick(10_000 + CLOCK_MS);
    store.tick(10_000 + CLOCK_MS + PATCH_GRACE_MS - 1);
    expect(store.getSnapshot()).toBe(after);
    const late = 10_000 + CLOCK_MS + PATCH_GRACE_MS;
    store.tick(late);
    expect(store.getSnapshot().now).toBe(late);
    expect(store.getSnapshot().updatedAt).toBe(10_000);
    // Once the clock has taken over it ticks every CLOCK_MS.
    const ticked = store.getSnapshot();
    store.tick(late + CLOCK_MS - 1);
    expect(store.getSnapshot()).toBe(ticked);
    store.tick(late + CLOCK_MS);
    expect(store.getSnapshot().now).toBe(late + CLOCK_MS);
    // A patch hands the clock back to the data, with its grace.
    store.showPatch(state({ seq: 2 }), [], late + CLOCK_MS + 10);
    const patched = store.getSnapshot();
    store.tick(late + 2 * CLOCK_MS + 10);
    expect(store.getSnapshot()).toBe(patched);
  });
});

describe('session', () => {
  it('reads and writes the selection as ?pid=&start=', () => {
    expect(readSelection('http://h/?pid=4425&start=123')).toEqual({ pid: 4425, startTime: 123 });
    expect(readSelection('http://h/?pid=4425')).toBeNull();
    expect(readSelection('http://h/?pid=-1&start=1')).toBeNull();
    expect(withSelection('http://h/?x=1', { pid: 7, startTime: 70 })).toBe(
      'http://h/?x=1&pid=7&start=70',
    );
    expect(withSelection('http://h/?pid=7&start=70', null)).toBe('http://h/');
  });
});

describe('indexState', () => {
  it('finds zombies, blames their parent and lists a process’s children', () => {
    const index = indexState(state());
    expect(index.zombies.map((p) => p.pid)).toEqual([4430]);
    expect([...index.blamed]).toEqual(['4425:44250']);
    expect(index.childrenOf('4425:44250').map((p) => p.pid)).toEqual([4430, 4431]);
    expect(index.childrenOf('1:10').map((p) => p.pid)).toEqual([300, 400, 500]);
    expect(index.childrenOf('999:1')).toEqual([]);
    expect(indexState(state())).not.toBe(index);
  });

  it('finds processes by identity and PIDs by their latest holder, by binary search', () => {
    const index = indexState(state());
    for (const p of processes) expect(index.byKey.get(`${p.pid}:${p.startTime}`)).toBe(p);
    expect(index.byKey.has('4430:44300')).toBe(true);
    expect(index.byKey.get('4430:1')).toBeUndefined();
    expect(index.byKey.get('garbage')).toBeUndefined();
    expect(index.byPid.get(4431)?.comm).toBe(processes.find((p) => p.pid === 4431)?.comm);
    expect(index.byPid.get(31337)).toBeUndefined();
  });

  it('gives a reused PID’s children to the process now holding it', () => {
    const old = proc({ pid: 777, ppid: 1, comm: 'old', startTime: 50 });
    const index = indexState(state({ processes: [...processes, old] }));
    expect(index.byPid.get(777)?.comm).toBe('bash');
    expect(index.childrenOf('777:99000').map((p) => p.comm)).toEqual(['vim']);
    expect(index.childrenOf('777:50')).toEqual([]);
  });
});

describe('sameShape', () => {
  const input = layoutInput(processes);
  const at = (i: number, over: Partial<(typeof processes)[number]>) =>
    processes.map((p, j) => (j === i ? { ...p, ...over } : p));
  it.each([
    ['the same list', processes, true],
    ['a copy of every process', processes.map((p) => ({ ...p })), true],
    ['memory and command changes', at(0, { rssBytes: 1, comm: 'other', cmdline: [] }), true],
    ['a new parent', at(4, { ppid: 2 }), false],
    ['a zombie', at(4, { state: 'Z' }), false],
    ['a kernel-thread flag', at(4, { kernelThread: true }), false],
    ['another container', at(6, { containerId: null }), false],
    ['another start time', at(4, { startTime: 1 }), false],
    ['one process fewer', processes.slice(1), false],
    ['another order', [...processes].reverse(), false],
    ['a CPU figure', at(0, { cpu: 50 }), true],
  ] as const)('%s', (_, list, same) => {
    expect(sameShape(input, list)).toBe(same);
  });

  it('counts CPU and memory, or names, when the order or the busiest filter reads them', () => {
    const values = layoutInput(processes, { values: true, names: false });
    expect(sameShape(values, at(0, { cpu: 50 }))).toBe(false);
    expect(sameShape(values, at(0, { rssBytes: 1 }))).toBe(false);
    expect(sameShape(values, at(0, { comm: 'other' }))).toBe(true);
    const names = layoutInput(processes, { values: false, names: true });
    expect(sameShape(names, at(0, { comm: 'other' }))).toBe(false);
    expect(sameShape(names, at(0, { cpu: 50 }))).toBe(true);
  });
});

describe('subtrees and totals', () => {
  const busy = processes.map((p) =>
    p.pid === 4431 ? { ...p, cpu: 40, rssBytes: 1000 } : { ...p, cpu: p.pid === 4425 ? 5 : 0 },
  );
  const index = indexState(state({ processes: busy }));

  it('lists a process with all its descendants, the process first', () => {
    expect(index.subtree('400:4000').map((p) => p.pid)).toEqual([400, 4425, 4430, 4431]);
    expect(index.subtree('778:99100').map((p) => p.pid)).toEqual([778]);
    expect(index.subtree('9:9')).toEqual([]);
  });

  it('sums CPU and memory per container, and over a subtree', () => {
    expect(index.containerTotals.get(CONTAINER_ID)).toEqual({
      cpu: 45,
      rssBytes: 4096 + 0 + 1000,
      processes: 3,
    });
    expect(totalsOf(index.subtree('400:4000'))).toEqual({
      cpu: 45,
      rssBytes: 4096 * 2 + 1000,
      processes: 4,
    });
  });
});
