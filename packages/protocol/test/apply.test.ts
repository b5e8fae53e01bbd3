import { afterEach, describe, expect, test } from 'vitest';
import {
  applyPatch,
  diff,
  type Patch,
  ProtocolError,
  ProtocolErrorCode,
  parseServerMessage,
  type State,
} from '../src/index.js';
import { container, host, proc, state } from './fixtures.js';

function patch(over: Partial<Patch>): Patch {
  return {
    type: 'patch',
    seq: 2,
    baseSeq: 1,
    added: [],
    updated: [],
    removed: [],
    containers: { upserted: [], removed: [] },
    events: [],
    ...over,
  };
}

function thrown(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('expected a ProtocolError');
}

const base = state(1, [proc(1, 5), proc(20, 900)], { containers: [container('b'.repeat(64))] });

describe('applyPatch', () => {
  test('[A1] a patch for another seq throws seq-mismatch', () => {
    const err = thrown(() => applyPatch(base, patch({ baseSeq: 0, seq: 1 })));
    expect(err.code).toBe(ProtocolErrorCode.SeqMismatch);
    expect(err.message).toBe('patch 1 applies to seq 0, but the state is at seq 1');
    expect(thrown(() => applyPatch(base, patch({ baseSeq: 2, seq: 3 }))).code).toBe('seq-mismatch');
  });

  test('[A2] the result takes the patch seq', () => {
    expect(applyPatch(base, patch({ seq: 9 })).seq).toBe(9);
  });

  test('[A3] removed goes before added, so the same key in both is a replacement', () => {
    const replacement = proc(20, 900, { nsPids: [20, 1], comm: 'init' });
    const next = applyPatch(
      base,
      patch({ removed: [{ pid: 20, startTime: 900 }], added: [replacement] }),
    );
    expect(next.processes).toEqual([proc(1, 5), replacement]);
  });

  test('[A3] updated applies after added, and containers removed before upserted', () => {
    const id = 'b'.repeat(64);
    const next = applyPatch(
      base,
      patch({
        added: [proc(30, 1000)],
        updated: [{ pid: 30, startTime: 1000, state: 'Z' }],
        containers: { removed: [id], upserted: [container(id, { name: 'again' })] },
      }),
    );
    expect(next.processes[2]).toEqual(proc(30, 1000, { state: 'Z' }));
    expect(next.containers).toEqual([container(id, { name: 'again' })]);
  });

  test('[A3] host fields then docker are applied', () => {
    const docker = { available: false, reason: 'stopped', version: null };
    const next = applyPatch(base, patch({ host: { zombies: 2, headroom: 5 }, docker }));
    expect(next.host).toEqual({ ...host, zombies: 2, headroom: 5 });
    expect(next.docker).toEqual(docker);
  });

  test.each([
    [
      'removes an unknown process',
      patch({ removed: [{ pid: 99, startTime: 1 }] }),
      'removes unknown process 99:1',
    ],
    [
      'removes a process twice',
      patch({
        removed: [
          { pid: 1, startTime: 5 },
          { pid: 1, startTime: 5 },
        ],
      }),
      'removes unknown process 1:5',
    ],
    [
      'updates an unknown process',
      patch({ updated: [{ pid: 20, startTime: 901, threads: 2 }] }),
      'updates unknown process 20:901',
    ],
    ['adds a present process', patch({ added: [proc(20, 900)] }), 'adds existing process 20:900'],
    [
      'removes an unknown container',
      patch({ containers: { upserted: [], removed: ['nope'] } }),
      'removes unknown container nope',
    ],
  ])('[A4] a patch that %s throws invalid-patch', (_what, p, message) => {
    const err = thrown(() => applyPatch(base, p));
    expect(err.code).toBe(ProtocolErrorCode.InvalidPatch);
    expect(err.message).toBe(`patch 2 ${message}`);
  });

  test('[A5] the result is sorted by pid then startTime, containers by id', () => {
    const next = applyPatch(
      base,
      patch({
        added: [proc(300, 1), proc(2, 9), proc(20, 1), proc(20, 1000)],
        containers: { upserted: [container('c'), container('a')], removed: [] },
      }),
    );
    expect(next.processes.map((p) => `${p.pid}:${p.startTime}`)).toEqual([
      '1:5',
      '2:9',
      '20:1',
      '20:900',
      '20:1000',
      '300:1',
    ]);
    expect(next.containers.map((c) => c.id)).toEqual(['a', 'b'.repeat(64), 'c']);
  });

  test('[A5] a state out of order (not from an agent) still gives a sorted result', () => {
    const unsorted = state(1, [proc(20, 900), proc(1, 5)]);
    const next = applyPatch(
      unsorted,
      patch({ added: [proc(5, 1)], updated: [{ pid: 20, startTime: 900, threads: 3 }] }),
    );
    expect(next.processes.map((p) => `${p.pid}:${p.startTime}:${p.threads}`)).toEqual([
      '1:5:1',
      '5:1:1',
      '20:900:3',
    ]);
  });

  test('[A3] one patch may remove, re-add and update the same identity', () => {
    const next = applyPatch(
      base,
      patch({
        removed: [{ pid: 20, startTime: 900 }],
        added: [proc(20, 900, { comm: 'again' })],
        updated: [{ pid: 20, startTime: 900, state: 'Z' }],
      }),
    );
    expect(next.processes).toEqual([proc(1, 5), proc(20, 900, { comm: 'again', state: 'Z' })]);
  });

  test('[A6] inputs are not changed; unchanged objects are shared, changed ones are fresh', () => {
    const s = state(1, [proc(1, 5), proc(20, 900), proc(30, 1)], {
      containers: [container('a'), container('b')],
    });
    const p = patch({
      added: [proc(40, 1)],
      updated: [{ pid: 20, startTime: 900, cmdline: ['new'] }],
      removed: [{ pid: 30, startTime: 1 }],
      containers: { upserted: [container('b', { pidsCurrent: 7 })], removed: [] },
    });
    const [cs, cp] = [structuredClone(s), structuredClone(p)];
    const next = applyPatch(s, p);
    expect(s).toEqual(cs);
    expect(p).toEqual(cp);
    expect(next.processes[0]).toBe(s.processes[0]);
    expect(next.processes[1]).not.toBe(s.processes[1]);
    expect(next.processes[1]?.cmdline).not.toBe(p.updated[0]?.cmdline);
    expect(next.processes[2]).not.toBe(p.added[0]);
    expect(next.processes[2]?.cmdline).not.toBe(p.added[0]?.cmdline);
    expect(next.containers[0]).toBe(s.containers[0]);
    expect(next.containers[1]).not.toBe(p.containers.upserted[0]);
    expect(next.containers[1]?.labels).not.toBe(p.containers.upserted[0]?.labels);
    expect(next.host).toBe(s.host);
  });

  test('[A9] events do not change the state', () => {
    const p = patch({
      events: [
        { id: 1, type: 'exited', at: 1, pid: 20, startTime: 900, containerId: null, message: 'x' },
      ],
    });
    expect(applyPatch(base, p)).toEqual({ ...base, seq: 2 });
  });
});

describe('[A10] applyPatch into a reused list', () => {
  const change = patch({
    removed: [{ pid: 1, startTime: 5 }],
    added: [proc(7, 50), proc(40, 1200)],
    updated: [{ pid: 20, startTime: 900, rssBytes: 1 }],
  });

  test('the result is written into the array given, and equals the pure result', () => {
    const spare = [proc(99, 1), proc(98, 2), proc(97, 3), proc(96, 4)];
    const next = applyPatch(base, change, spare);
    expect(next.processes).toBe(spare);
    expect(next).toEqual(applyPatch(base, change));
    expect(spare.map((p) => p.pid)).toEqual([7, 20, 40]);
    // The state it came from is unchanged.
    expect(base.processes.map((p) => p.pid)).toEqual([1, 20]);
  });

  test('a longer result grows the array', () => {
    const spare: ReturnType<typeof proc>[] = [];
    expect(applyPatch(base, change, spare).processes).toHaveLength(3);
  });

  test('a patch that throws leaves the array as it was', () => {
    const spare = [proc(99, 1)];
    const bad = patch({ added: [proc(7, 50)], removed: [{ pid: 3, startTime: 3 }] });
    expect(thrown(() => applyPatch(base, bad, spare)).code).toBe(ProtocolErrorCode.InvalidPatch);
    expect(thrown(() => applyPatch(base, patch({ baseSeq: 4 }), spare)).code).toBe(
      ProtocolErrorCode.SeqMismatch,
    );
    expect(spare).toEqual([proc(99, 1)]);
  });

  test('the state’s own list is refused, and the state is unchanged', () => {
    const own = state(1, [proc(1, 5), proc(20, 900)]);
    expect(() => applyPatch(own, change, own.processes as ReturnType<typeof proc>[])).toThrow(
      TypeError,
    );
    expect(own.processes.map((p) => p.pid)).toEqual([1, 20]);
  });
});

describe('[A7] untrusted input never reaches __proto__', () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();

  afterEach(() => {
    // If a test polluted the prototype, fail loudly and clean up so later tests are unaffected.
    const polluted = Object.getOwnPropertyNames(Object.prototype).filter(
      (k) => !before.includes(k),
    );
    for (const k of polluted) delete (Object.prototype as Record<string, unknown>)[k];
    expect(polluted).toEqual([]);
  });

  const hostile = (inner: string) =>
    JSON.parse(`{"__proto__":${inner},"constructor":{"prototype":${inner}},"prototype":${inner}}`);
  const payload = '{"polluted":"yes","pid":666}';

  function assertClean(next: State): void {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
    for (const p of next.processes) {
      expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
      expect(Object.keys(p).sort()).toEqual(Object.keys(proc(1, 1)).sort());
      expect((p as unknown as Record<string, unknown>).polluted).toBeUndefined();
    }
    for (const c of next.containers) expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(next.host)).toBe(Object.prototype);
    expect(Object.keys(next.host).sort()).toEqual(Object.keys(host).sort());
  }

  test('[A7] __proto__, constructor and prototype keys in updates are ignored', () => {
    const update = { pid: 20, startTime: 900, threads: 3, ...hostile(payload) };
    const next = applyPatch(base, patch({ updated: [update] }));
    expect(next.processes[1]).toEqual(proc(20, 900, { threads: 3 }));
    assertClean(next);
  });

  test('[A7] such keys in added processes, host changes and the patch itself are ignored', () => {
    const added = { ...proc(30, 1), ...hostile(payload) };
    const hostChanges = { zombies: 4, ...hostile(payload) };
    const p = { ...patch({ added: [added], host: hostChanges }), ...hostile(payload) };
    const next = applyPatch(base, p);
    expect(next.processes[2]).toEqual(proc(30, 1));
    expect(next.host).toEqual({ ...host, zombies: 4 });
    expect(Object.keys(next).sort()).toEqual(['containers', 'docker', 'host', 'processes', 'seq']);
    assertClean(next);
  });

  test('[A7] such keys in upserted containers and the Docker status are ignored', () => {
    const c = { ...container('e'), ...hostile(payload) };
    const docker = { available: false, reason: 'down', version: null, ...hostile(payload) };
    const next = applyPatch(base, patch({ containers: { upserted: [c], removed: [] }, docker }));
    expect(next.containers[1]).toEqual(container('e'));
    expect(Object.keys(next.containers[1] ?? {}).sort()).toEqual(
      Object.keys(container('e')).sort(),
    );
    expect(Object.keys(next.docker).sort()).toEqual(['available', 'reason', 'version']);
    expect(Object.getPrototypeOf(next.docker)).toBe(Object.prototype);
    assertClean(next);
  });

  test('[A7] a process key such as "__proto__" in removed/updated is just an unknown identity', () => {
    const p = patch({ updated: [JSON.parse('{"pid":"__proto__","startTime":"x","threads":1}')] });
    expect(thrown(() => applyPatch(base, p)).code).toBe('invalid-patch');
    const id = '__proto__';
    expect(
      thrown(() => applyPatch(base, patch({ containers: { upserted: [], removed: [id] } }))).code,
    ).toBe('invalid-patch');
  });

  test('[A7] a container with id "__proto__" and a "__proto__" label stays plain data', () => {
    const evil = container('__proto__', {
      labels: JSON.parse('{"__proto__":"x","constructor":"y"}'),
    });
    const next = applyPatch(base, patch({ containers: { upserted: [evil], removed: [] } }));
    const got = next.containers.find((c) => c.id === '__proto__');
    expect(got?.name).toBe(evil.name);
    expect(Object.getPrototypeOf(got?.labels)).toBe(Object.prototype);
    expect(Object.hasOwn(got?.labels ?? {}, '__proto__')).toBe(true);
    expect(Object.keys(got?.labels ?? {}).sort()).toEqual(['__proto__', 'constructor']);
    // It round-trips through diff like any other container.
    expect(applyPatch(base, diff(base, next))).toEqual(next);
    assertClean(next);
  });

  test('[A7] a hostile patch off the wire is rejected by parsing before it could be applied', () => {
    const wire = `{"type":"patch","seq":2,"baseSeq":1,"added":[],"updated":[{"pid":20,"startTime":900,"__proto__":${payload}}],"removed":[],"containers":{"upserted":[],"removed":[]},"events":[]}`;
    expect(() => parseServerMessage(wire)).toThrow(
      /updated\/0 must not have additional properties \("__proto__"\)/,
    );
  });
});
