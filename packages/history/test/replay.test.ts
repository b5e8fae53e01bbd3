import { normalizeState, type State } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { historyDiff, replay } from '../src/index.js';
import { world } from './support.js';

const clone = (s: State): State => structuredClone(s);

describe('replay', () => {
  const w = world(7, 120);

  it('gives the state of every recorded moment, and holds it until the next tick', () => {
    for (const [i, step] of w.steps.entries()) {
      const r = replay(clone(w.initial), w.initialAt, w.steps, step.at + 500);
      expect(r.recordedAt).toBe(step.at);
      expect(r.state, `step ${i}`).toEqual(normalizeState(step.state));
    }
  });

  it('gives the keyframe itself before the first tick', () => {
    const r = replay(clone(w.initial), w.initialAt, w.steps, w.initialAt);
    expect(r).toEqual({ state: w.initial, recordedAt: w.initialAt });
  });

  it('throws the protocol error when a patch does not follow', () => {
    expect(() => replay(clone(w.initial), w.initialAt, w.steps.slice(1), Infinity)).toThrow(
      /applies to seq/,
    );
  });
});

describe('historyDiff', () => {
  const w = world(3, 60);
  const a = w.steps[10]?.state as State;
  const b = w.steps[50]?.state as State;

  it('lists what appeared, vanished and changed, whole where whole is meant', () => {
    const d = historyDiff(a, b, 1, 2, { events: [], more: false });
    const keys = (ps: { pid: number; startTime: number }[]) =>
      ps.map((p) => `${p.pid}:${p.startTime}`).sort();
    const inA = new Set(keys(a.processes));
    const inB = new Set(keys(b.processes));
    expect(keys(d.processes.appeared)).toEqual([...inB].filter((k) => !inA.has(k)).sort());
    expect(keys(d.processes.vanished)).toEqual([...inA].filter((k) => !inB.has(k)).sort());
    for (const v of d.processes.vanished) expect(a.processes).toContainEqual(v);
    for (const u of d.processes.changed) {
      const now = b.processes.find((p) => p.pid === u.pid && p.startTime === u.startTime);
      expect(now).toMatchObject(u);
    }
    expect(d.from).toBe(1);
    expect(d.to).toBe(2);
  });

  it('is empty between a state and itself', () => {
    const d = historyDiff(a, a, 1, 1, { events: [], more: false });
    expect(d.processes).toEqual({ appeared: [], vanished: [], changed: [] });
    expect(d.containers).toEqual({ appeared: [], vanished: [], changed: [] });
    expect(d.host).toEqual({});
  });
});
