import { describe, expect, test } from 'vitest';
import { diff, type Event, isEmptyPatch, type Patch } from '../src/index.js';
import { container, host, proc, state } from './fixtures.js';

const ev: Event = {
  id: 7,
  type: 'zombie-appeared',
  at: 1_700_000_000_000,
  pid: 20,
  startTime: 900,
  containerId: null,
  message: 'sleep (20) became a zombie',
};

describe('diff', () => {
  test('[D1] seq is next.seq and baseSeq is prev.seq', () => {
    const p = diff(state(41, []), state(42, []));
    expect(p.type).toBe('patch');
    expect(p.seq).toBe(42);
    expect(p.baseSeq).toBe(41);
  });

  test('[D2] a process with a new key is added whole', () => {
    const born = proc(30, 1000, { comm: 'bash', cmdline: ['bash', '-c', 'x y'] });
    const p = diff(state(1, [proc(1, 5)]), state(2, [proc(1, 5), born]));
    expect(p.added).toEqual([born]);
    expect(p.updated).toEqual([]);
    expect(p.removed).toEqual([]);
  });

  test('[D3] a process whose key is gone is removed by identity', () => {
    const p = diff(state(1, [proc(1, 5), proc(30, 1000)]), state(2, [proc(1, 5)]));
    expect(p.removed).toEqual([{ pid: 30, startTime: 1000 }]);
    expect(p.added).toEqual([]);
  });

  test('[D3] a reused pid with a new start time is a remove plus an add, never an update', () => {
    const old = proc(30, 1000, { comm: 'old' });
    const reused = proc(30, 2000, { comm: 'new' });
    const p = diff(state(1, [old]), state(2, [reused]));
    expect(p.removed).toEqual([{ pid: 30, startTime: 1000 }]);
    expect(p.added).toEqual([reused]);
    expect(p.updated).toEqual([]);
  });

  test('[D4] an update holds pid, startTime and only the changed fields', () => {
    const before = proc(20, 900);
    const after = proc(20, 900, { state: 'Z', zombieSince: 1_700_000_000_000, cmdline: [] });
    const p = diff(state(1, [before]), state(2, [after]));
    expect(p.updated).toEqual([
      { pid: 20, startTime: 900, state: 'Z', cmdline: [], zombieSince: 1_700_000_000_000 },
    ]);
    expect(p.added).toEqual([]);
    expect(p.removed).toEqual([]);
  });

  test('[D4] each changeable field on its own yields an update with just that field', () => {
    const changes = {
      ppid: 77,
      state: 'R',
      comm: 'renamed',
      cmdline: ['sleep', '2000'],
      threads: 4,
      uid: 1000,
      containerId: 'a'.repeat(64),
      runtime: 'docker',
      rssBytes: 9,
      zombieSince: 5,
    } as const;
    for (const [field, value] of Object.entries(changes)) {
      const p = diff(state(1, [proc(20, 900)]), state(2, [proc(20, 900, { [field]: value })]));
      expect(p.updated, field).toEqual([{ pid: 20, startTime: 900, [field]: value }]);
    }
  });

  test('[D4] arrays are compared by value: an equal copy is no change', () => {
    const a = proc(20, 900, { cmdline: ['a', 'b'] });
    const b = proc(20, 900, { cmdline: ['a', 'b'], nsPids: [20] });
    expect(diff(state(1, [a]), state(2, [b])).updated).toEqual([]);
  });

  test('[D4] an unchanged process does not appear at all', () => {
    const p = diff(
      state(1, [proc(1, 5), proc(2, 6)]),
      state(2, [proc(1, 5), proc(2, 6, { threads: 3 })]),
    );
    expect(p.updated).toEqual([{ pid: 2, startTime: 6, threads: 3 }]);
  });

  test('[D5] a change of nsPids, pidNs or kernelThread under the same key is a replacement', () => {
    for (const over of [{ nsPids: [20, 1] }, { pidNs: 1 }, { kernelThread: true }]) {
      const next = proc(20, 900, over);
      const p = diff(state(1, [proc(20, 900)]), state(2, [next]));
      expect(p.removed).toEqual([{ pid: 20, startTime: 900 }]);
      expect(p.added).toEqual([next]);
      expect(p.updated).toEqual([]);
    }
  });

  test('[D6] new and changed containers are upserted whole, gone ones removed by id', () => {
    const kept = container('a'.repeat(64));
    const changed = container('b'.repeat(64));
    const gone = container('c'.repeat(64));
    const fresh = container('d'.repeat(64));
    const changedAfter = { ...changed, pidsCurrent: 40, labels: { ...changed.labels, x: 'y' } };
    const p = diff(
      state(1, [], { containers: [kept, changed, gone] }),
      state(2, [], { containers: [kept, changedAfter, fresh] }),
    );
    expect(p.containers.upserted).toEqual([changedAfter, fresh]);
    expect(p.containers.removed).toEqual(['c'.repeat(64)]);
  });

  test('[D6] a label-only change upserts the container', () => {
    const c = container('a'.repeat(64));
    const p = diff(
      state(1, [], { containers: [c] }),
      state(2, [], { containers: [{ ...c, labels: { 'io.pidscope.managed': 'false' } }] }),
    );
    expect(p.containers.upserted).toHaveLength(1);
  });

  test('[D6] [D8] [D4] properties outside the schema are neither compared nor sent', () => {
    const c = container('a'.repeat(64));
    const extra = { internalSince: 5 };
    const a = state(1, [proc(1, 5)], { containers: [c] });
    const b = state(
      2,
      [
        { ...proc(1, 5), ...extra },
        { ...proc(2, 6), ...extra },
      ],
      {
        containers: [{ ...c, ...extra }],
        docker: { ...a.docker, ...extra },
      },
    );
    const p = diff(a, b);
    expect(p.containers.upserted).toEqual([]);
    expect(p.updated).toEqual([]);
    expect('docker' in p).toBe(false);
    expect(p.added).toEqual([proc(2, 6)]);
    expect(Object.keys(p.added[0] ?? {})).not.toContain('internalSince');
  });

  test('[D7] host carries only the changed fields, and is absent when nothing changed', () => {
    const p = diff(state(1, []), state(2, [], { host: { ...host, tasks: 301, headroom: 61_699 } }));
    expect(p.host).toEqual({ tasks: 301, headroom: 61_699 });
    expect('host' in diff(state(1, []), state(2, [], { host: { ...host } }))).toBe(false);
  });

  test('[D8] docker is sent whole when any field changed, absent otherwise', () => {
    const down = { available: false, reason: 'connect ENOENT /var/run/docker.sock', version: null };
    expect(diff(state(1, []), state(2, [], { docker: down })).docker).toEqual(down);
    const same = { available: true, reason: null, version: '20.10.24' };
    expect('docker' in diff(state(1, []), state(2, [], { docker: same }))).toBe(false);
  });

  test('[D9] events pass through unchanged and in order', () => {
    const second: Event = { ...ev, id: 8, type: 'zombie-reaped' };
    const events = [ev, second];
    const p = diff(state(1, []), state(1, []), events);
    expect(p.events).toEqual([ev, second]);
    expect(p.events).not.toBe(events);
    expect(isEmptyPatch(p)).toBe(false);
  });

  test('[D10] diff(a, a) is empty', () => {
    const a = state(3, [proc(1, 5), proc(20, 900, { state: 'Z', zombieSince: 1 })], {
      containers: [container('a'.repeat(64))],
    });
    const p = diff(a, structuredClone(a));
    expect(isEmptyPatch(p)).toBe(true);
    expect(p).toEqual({
      type: 'patch',
      seq: 3,
      baseSeq: 3,
      added: [],
      updated: [],
      removed: [],
      containers: { upserted: [], removed: [] },
      events: [],
    } satisfies Patch);
  });

  test('[D10] isEmptyPatch is false for each kind of content', () => {
    const empty = diff(state(1, []), state(2, []));
    const kinds: Partial<Patch>[] = [
      { added: [proc(1, 1)] },
      { updated: [{ pid: 1, startTime: 1, threads: 2 }] },
      { removed: [{ pid: 1, startTime: 1 }] },
      { containers: { upserted: [container('a')], removed: [] } },
      { containers: { upserted: [], removed: ['a'] } },
      { host: { tasks: 1 } },
      { docker: { available: false, reason: 'x', version: null } },
      { events: [ev] },
    ];
    expect(isEmptyPatch(empty)).toBe(true);
    for (const k of kinds) expect(isEmptyPatch({ ...empty, ...k }), JSON.stringify(k)).toBe(false);
  });

  test('[D11] diff changes neither input and shares no objects with them', () => {
    const a = state(1, [proc(1, 5), proc(2, 6)], { containers: [container('a')] });
    const b = state(2, [proc(1, 5, { cmdline: ['x'] }), proc(3, 7)], {
      containers: [container('a', { pidsCurrent: 9 })],
      docker: { available: false, reason: 'gone', version: null },
    });
    const [ca, cb] = [structuredClone(a), structuredClone(b)];
    const p = diff(a, b);
    expect(a).toEqual(ca);
    expect(b).toEqual(cb);
    const added = p.added[0];
    const upserted = p.containers.upserted[0];
    expect(added).not.toBe(b.processes[1]);
    expect(added?.cmdline).not.toBe(b.processes[1]?.cmdline);
    expect(p.updated[0]?.cmdline).not.toBe(b.processes[0]?.cmdline);
    expect(upserted).not.toBe(b.containers[0]);
    expect(upserted?.labels).not.toBe(b.containers[0]?.labels);
    expect(p.docker).not.toBe(b.docker);
  });

  test('[D12] input order does not matter; added/updated follow next, removed follows prev', () => {
    const prev = state(1, [proc(9, 1), proc(5, 1), proc(7, 1), proc(3, 1)]);
    const next = state(2, [
      proc(8, 1),
      proc(7, 1, { threads: 2 }),
      proc(6, 1),
      proc(5, 1, { threads: 2 }),
    ]);
    const p = diff(prev, next);
    expect(p.added.map((x) => x.pid)).toEqual([8, 6]);
    expect(p.updated.map((x) => x.pid)).toEqual([7, 5]);
    expect(p.removed.map((x) => x.pid)).toEqual([9, 3]);
  });
});
