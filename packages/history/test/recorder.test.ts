import { normalizeState } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { HistoryStore, keyframeDue, Recorder } from '../src/index.js';
import { FakeSource, tempDir, world } from './support.js';

const log = { warn: () => {}, error: () => {} };
const owner = { pid: process.pid, startTime: 1 };

describe('keyframeDue', () => {
  const opts = { keyframeEveryMs: 300_000, keyframeAfterRatio: 4 };
  it.each([
    ['no keyframe yet', null, 0, false],
    ['nothing written since the last', { at: 0, bytes: 0, keyframeBytes: 100 }, 10 ** 9, false],
    [
      'a young keyframe, few bytes after it',
      { at: 0, bytes: 399, keyframeBytes: 100 },
      299_999,
      false,
    ],
    ['an old keyframe', { at: 0, bytes: 1, keyframeBytes: 100 }, 300_000, true],
    ['bytes after it four times its size', { at: 0, bytes: 400, keyframeBytes: 100 }, 1, true],
  ])('%s: %s', (_name, last, at, expected) => {
    expect(keyframeDue(last, at, opts)).toBe(expected);
  });
});

describe('Recorder', () => {
  it('writes a keyframe at start, then every published tick once flushed', async () => {
    const dir = tempDir();
    const w = world(31, 40, 30, Date.now());
    const store = HistoryStore.open({ dir, owner, retentionMs: 86_400_000, maxBytes: 2 ** 26 });
    const source = new FakeSource(w.initial);
    const rec = new Recorder(store, source, { log, flushEveryMs: 60_000 });
    await rec.start();
    expect(store.range().keyframes).toBe(1);
    const startedAt = store.range().from as number;
    expect(store.stateAt(startedAt).state).toEqual(w.initial);
    // Step times from the world are after the start: ticks keep their own time.
    const steps = w.steps.map((s) => ({ ...s, at: startedAt + (s.at - w.initialAt) }));
    for (const [i, step] of steps.entries()) {
      source.publish(step);
      if (i % 7 === 6) await rec.flush();
    }
    await rec.close();
    for (const step of steps) {
      expect(store.stateAt(step.at).state).toEqual(normalizeState(step.state));
    }
    expect(rec.status().state).toBe('recording');
    await store.close();
  });

  it('writes a tick by itself a moment after it is published, and neither wakes nor writes when nothing is', async () => {
    const dir = tempDir();
    const w = world(33, 10, 30, Date.now());
    const store = HistoryStore.open({ dir, owner, retentionMs: 86_400_000, maxBytes: 2 ** 26 });
    // Counts the store's fsyncs: each flush that writes ends with one.
    const sync = store.sync.bind(store);
    let syncs = 0;
    store.sync = () => {
      syncs++;
      return sync();
    };
    const source = new FakeSource(w.initial);
    const rec = new Recorder(store, source, { log, flushEveryMs: 40 });
    await rec.start();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const written = () => store.layout().flatMap((s) => s.frames).length;
    expect([syncs, written()]).toEqual([1, 1]);
    await sleep(200);
    expect([syncs, written()]).toEqual([1, 1]);
    const startedAt = store.range().from as number;
    const step = w.steps[0] as (typeof w.steps)[number];
    source.publish({ ...step, at: startedAt + 1 });
    await sleep(200);
    expect([syncs, written()]).toEqual([2, 2]);
    expect(store.stateAt(startedAt + 1).state).toEqual(normalizeState(step.state));
    await sleep(200);
    await rec.close();
    expect([syncs, written()]).toEqual([2, 2]);
    await store.close();
  });

  it('adds keyframes when the last one is old or replaying from it would read more than it', async () => {
    const dir = tempDir();
    const w = world(32, 60, 30, Date.now());
    const store = HistoryStore.open({ dir, owner, retentionMs: 86_400_000, maxBytes: 2 ** 26 });
    const source = new FakeSource(w.initial);
    const rec = new Recorder(store, source, {
      log,
      flushEveryMs: 60_000,
      keyframeAfterRatio: 0.5,
    });
    await rec.start();
    for (const step of w.steps) {
      source.publish(step);
      await rec.flush();
    }
    await rec.close();
    const frames = store.layout().flatMap((s) => s.frames);
    const keyframes = frames.filter((f) => f.kind === 'keyframe').length;
    expect(keyframes).toBeGreaterThan(3);
    expect(keyframes).toBeLessThan(frames.length / 2);
    await store.close();
  });
});
