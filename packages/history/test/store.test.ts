import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { normalizeState, type State } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { HistoryError, HistoryStore, type StoreOptions } from '../src/index.js';
import { tempDir, type WorldStep, world } from './support.js';

const owner = { pid: process.pid, startTime: 1 };
const DAY = 86_400_000;

function options(dir: string, over: Partial<StoreOptions> = {}): StoreOptions {
  return { dir, owner, retentionMs: DAY, maxBytes: 512 * 2 ** 20, ...over };
}

/** Records a world: a keyframe, then ticks `perFrame` to a frame. */
async function record(
  store: HistoryStore,
  w: { initial: State; initialAt: number; steps: WorldStep[] },
  perFrame = 3,
): Promise<void> {
  await store.appendKeyframe(w.initial, w.initialAt, { start: true });
  for (let i = 0; i < w.steps.length; i += perFrame) {
    const batch = w.steps.slice(i, i + perFrame);
    await store.appendTicks(batch, (batch.at(-1) as WorldStep).state);
    if (store.rotationDue()) {
      const last = batch.at(-1) as WorldStep;
      await store.appendKeyframe(last.state, last.at, { start: false });
    }
  }
  await store.sync();
}

const recent = (steps: number, seed = 5, size = 40) =>
  world(seed, steps, size, Date.now() - (steps + 5) * 1000);

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort();
}

function expectStates(store: HistoryStore, w: ReturnType<typeof world>, from = 0): void {
  for (const step of w.steps.slice(from)) {
    const r = store.stateAt(step.at + 1);
    expect(r.recordedAt).toBe(step.at);
    expect(r.state).toEqual(normalizeState(step.state));
  }
}

describe('HistoryStore', () => {
  it('answers every recorded moment after a reopen, across segments', async () => {
    const dir = tempDir();
    const w = recent(200);
    const store = HistoryStore.open(options(dir, { segments: { segmentBytes: 8 * 1024 } }));
    await record(store, w);
    const before = store.range();
    await store.close();
    expect(segments(dir).length).toBeGreaterThan(2);

    const again = HistoryStore.open(options(dir));
    expect(again.recovery).toEqual({ truncatedBytes: 0, removedFiles: [] });
    expect(again.range()).toEqual(before);
    expect(again.range().from).toBe(w.initialAt);
    expect(again.range().to).toBe(w.steps.at(-1)?.at);
    expectStates(again, w);
    expect(again.stateAt(w.initialAt).state).toEqual(w.initial);
    const lastId = Math.max(0, ...w.steps.flatMap((s) => s.patch.events.map((e) => e.id)));
    expect(again.lastEventId).toBe(lastId);
    await again.close();
  });

  it('says ERANGE before the first recorded moment and when nothing is recorded', async () => {
    const store = HistoryStore.open(options(tempDir()));
    expect(() => store.stateAt(Date.now())).toThrow(/nothing is recorded yet/);
    const w = recent(5);
    await record(store, w);
    try {
      store.stateAt(w.initialAt - 1);
      expect.unreachable();
    } catch (err) {
      expect((err as HistoryError).code).toBe('ERANGE');
    }
    await store.close();
  });

  it('keeps the last state of a recording through the gap after it, and starts a new segment per recording', async () => {
    const dir = tempDir();
    const w1 = world(1, 10, 20, Date.now() - 100_000);
    const w2 = world(2, 10, 20, Date.now() - 20_000);
    let store = HistoryStore.open(options(dir));
    await record(store, w1);
    await store.close();
    store = HistoryStore.open(options(dir));
    await record(store, w2);
    expect(segments(dir)).toHaveLength(2);
    const inGap = store.stateAt((w1.steps.at(-1) as WorldStep).at + 30_000);
    expect(inGap.recordedAt).toBe(w1.steps.at(-1)?.at);
    expect(inGap.state).toEqual(normalizeState((w1.steps.at(-1) as WorldStep).state));
    expectStates(store, w1);
    expectStates(store, w2);
    const series = store.series(w1.initialAt, Date.now(), 100);
    expect(series.host.tasks.some((v) => v === null)).toBe(true);
    await store.close();
  });

  it('cuts a torn tail at any length, keeps every whole frame and goes on writing', async () => {
    const dir = tempDir();
    const w = recent(12, 9);
    const store = HistoryStore.open(options(dir));
    await record(store, w, 4);
    await store.close();
    const [name] = segments(dir);
    const path = join(dir, name as string);
    const whole = readFileSync(path);
    // The last frame holds steps 8..11; cutting it anywhere leaves steps up to 7.
    const probe = HistoryStore.open(options(dir));
    const lastFrameStart = whole.length - lastFrameLength(probe);
    await probe.close();
    for (let cut = lastFrameStart; cut < whole.length; cut += 7) {
      writeFileSync(path, whole.subarray(0, cut));
      const s = HistoryStore.open(options(dir));
      expect(s.recovery.truncatedBytes).toBe(cut - lastFrameStart);
      expect(statSync(path).size).toBe(lastFrameStart);
      expect(s.range().to).toBe(w.steps[7]?.at);
      expectStates(s, { ...w, steps: w.steps.slice(0, 8) });
      await s.close();
    }
    // Garbage after the last frame goes too, and recording goes on in a new segment.
    writeFileSync(
      path,
      Buffer.concat([
        whole,
        Buffer.from('garbage that is no frame at all....................................'),
      ]),
    );
    const s = HistoryStore.open(options(dir));
    expect(s.recovery.truncatedBytes).toBeGreaterThan(0);
    expectStates(s, w);
    const more = recent(3, 11);
    await record(s, more);
    expectStates(s, more);
    await s.close();
  });

  it('removes a segment torn before its first frame was whole', async () => {
    const dir = tempDir();
    const w = recent(5);
    const store = HistoryStore.open(options(dir));
    await record(store, w);
    await store.close();
    writeFileSync(join(dir, '0000000002.seg'), Buffer.from('PIDSC'));
    writeFileSync(join(dir, '0000000003.seg'), Buffer.alloc(0));
    const s = HistoryStore.open(options(dir));
    expect(s.recovery.removedFiles.sort()).toEqual(['0000000002.seg', '0000000003.seg']);
    expect(segments(dir)).toEqual(['0000000001.seg']);
    expectStates(s, w);
    await s.close();
  });

  it.each([
    [
      'a segment with bad magic',
      (dir: string) =>
        writeFileSync(join(dir, '0000000001.seg'), 'NOT A SEGMENT AT ALL, NOT EVEN CLOSE'),
    ],
    [
      'a segment of another format version',
      (dir: string) =>
        writeFileSync(
          join(dir, '0000000001.seg'),
          Buffer.from('PIDSCOPE\x09\x00\x00\x00\x00\x00\x00\x00', 'latin1'),
        ),
    ],
    [
      'a directory where a segment should be',
      (dir: string) => mkdirSync(join(dir, '0000000001.seg')),
    ],
  ])('moves aside a store with %s and starts a new one', async (_name, damage) => {
    const root = tempDir();
    const dir = join(root, 'history');
    mkdirSync(dir);
    damage(dir);
    expect(() => HistoryStore.open(options(dir))).toThrow(HistoryError);
    const logged: string[] = [];
    const { store, movedTo } = HistoryStore.openOrMoveAside(
      options(dir, { log: (m) => logged.push(m) }),
    );
    expect(movedTo).toMatch(/history\.broken-/);
    expect(existsSync(join(movedTo as string, '0000000001.seg'))).toBe(true);
    expect(logged.join('\n')).toContain(movedTo);
    expect(store.range()).toMatchObject({ from: null, bytes: 0 });
    const w = recent(4);
    await record(store, w);
    expectStates(store, w);
    await store.close();
  });

  it('is locked against a second writer, and takes over a lock whose holder is gone', async () => {
    const dir = tempDir();
    const store = HistoryStore.open(options(dir));
    expect(() => HistoryStore.open(options(dir))).toThrow(/ELOCKED .*already open/);
    await store.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);

    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const lock = (pid: number, startTime: number) =>
        writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid, startTime, host: hostname() }));
      lock(sleeper.pid as number, 42);
      expect(() => HistoryStore.open(options(dir))).toThrow(
        new RegExp(`ELOCKED .*PID ${sleeper.pid}`),
      );
      // The same PID with another start time is another process: the lock is stale.
      const byStart = HistoryStore.open(
        options(dir, { isAlive: (o) => o.pid === sleeper.pid && o.startTime === 43 }),
      );
      await byStart.close();
      lock(2 ** 22 + 1, 1);
      const stale = HistoryStore.open(options(dir));
      expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'))).toMatchObject(owner);
      await stale.close();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

describe('retention', () => {
  it('keeps the store under its disk budget, dropping the oldest segments first', async () => {
    const dir = tempDir();
    const maxBytes = 96 * 1024;
    const store = HistoryStore.open(
      options(dir, { maxBytes, segments: { segmentBytes: 12 * 1024 } }),
    );
    const w = recent(600, 4, 60);
    await store.appendKeyframe(w.initial, w.initialAt, { start: true });
    let from = w.initialAt;
    let dropped = 0;
    for (let i = 0; i < w.steps.length; i += 2) {
      const batch = w.steps.slice(i, i + 2);
      const last = batch.at(-1) as WorldStep;
      await store.appendTicks(batch, last.state);
      if (store.rotationDue()) await store.appendKeyframe(last.state, last.at, { start: false });
      const onDisk = segments(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
      expect(onDisk).toBeLessThanOrEqual(maxBytes);
      expect(store.range().bytes).toBe(onDisk);
      const r = store.range().from as number;
      expect(r).toBeGreaterThanOrEqual(from);
      if (r > from) dropped++;
      from = r;
    }
    expect(dropped).toBeGreaterThan(2);
    // What is left still replays, and what went is out of range.
    const kept = w.steps.filter((s) => s.at >= from);
    expectStates(store, { ...w, steps: kept });
    expect(() => store.stateAt(from - 1)).toThrow(/ERANGE/);
    await store.close();
  });

  it('drops segments older than the retention', async () => {
    const dir = tempDir();
    const store = HistoryStore.open(
      options(dir, { retentionMs: 60_000, segments: { segmentMs: 10_000 } }),
    );
    const old = world(3, 60, 20, Date.now() - 10 * 60_000);
    await record(store, old);
    const fresh = world(4, 30, 20, Date.now() - 30_000);
    await store.appendKeyframe(fresh.initial, fresh.initialAt, { start: false });
    for (const step of fresh.steps) await store.appendTicks([step], step.state);
    expect(store.range().from).toBe(fresh.initialAt);
    expect(segments(dir)).toHaveLength(1);
    await store.close();
  });
});

describe('events', () => {
  const w = recent(300, 21);
  const all = w.steps.flatMap((s) => s.patch.events);
  let store: HistoryStore;

  async function open(): Promise<HistoryStore> {
    const dir = tempDir();
    const s = HistoryStore.open(options(dir, { segments: { segmentBytes: 16 * 1024 } }));
    await record(s, w, 5);
    return s;
  }

  it.each([
    ['everything', {}, all],
    [
      'one type',
      { types: new Set(['zombie-appeared'] as const) },
      all.filter((e) => e.type === 'zombie-appeared'),
    ],
    [
      'two types',
      { types: new Set(['reparented', 'pids-limit-hit'] as const) },
      all.filter((e) => e.type === 'reparented' || e.type === 'pids-limit-hit'),
    ],
    [
      'a container by prefix',
      { containerId: 'c0ffee000000' },
      all.filter((e) => e.containerId?.startsWith('c0ffee')),
    ],
    [
      'a time window, both ends included',
      { since: w.steps[50]?.at, until: w.steps[100]?.at },
      all.filter(
        (e) => e.at >= (w.steps[50] as WorldStep).at && e.at <= (w.steps[100] as WorldStep).at,
      ),
    ],
  ])('%s, oldest first', async (_name, q, expected) => {
    store ??= await open();
    expect(expected.length).toBeGreaterThan(0);
    expect(store.events({ limit: 100_000, ...q })).toEqual({ events: expected, more: false });
  });

  it('keeps the newest `limit` and says there were more', async () => {
    store ??= await open();
    expect(store.events({ limit: 7 })).toEqual({ events: all.slice(-7), more: true });
    expect(store.events({ limit: all.length })).toEqual({ events: all, more: false });
  });

  it.each([
    ['a sealed segment', 0],
    ['the segment written last, with whole frames after it', -1],
  ])('skips a damaged frame in %s and answers the rest', async (_name, which) => {
    const dir = tempDir();
    const s = HistoryStore.open(options(dir, { segments: { segmentBytes: 24 * 1024 } }));
    await record(s, w, 5);
    const seg = s.layout().at(which);
    // A ticks frame past the first two that holds events, so that skipping it loses some.
    const victim = seg?.frames.find(
      (f, i, frames) =>
        f.kind === 'ticks' &&
        i >= 3 &&
        all.some((e) => e.at > (frames[i - 1]?.toAt ?? 0) && e.at <= f.toAt),
    );
    if (!seg || !victim) throw new Error('no frame to damage');
    await s.close();
    const path = join(dir, seg.name);
    const bytes = readFileSync(path);
    const at = victim.offset + victim.length - 1;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    writeFileSync(path, bytes);
    const logged: string[] = [];
    const again = HistoryStore.open(options(dir, { log: (m) => logged.push(m) }));
    expect(again.recovery.truncatedBytes).toBe(0);
    const got = again.events({ limit: 100_000 }).events;
    expect(got.length).toBeLessThan(all.length);
    expect(got.length).toBeGreaterThan(all.length / 2);
    expect(got.at(-1)).toEqual(all.at(-1));
    expect(logged.join('\n')).toMatch(/damaged/);
    expect(() => again.stateAt(victim.toAt)).toThrow(/ECORRUPT/);
    await again.close();
  });
});

describe('series', () => {
  it('is the same from frames written and from frames read back at open', async () => {
    const dir = tempDir();
    const w = recent(200, 13);
    const store = HistoryStore.open(options(dir, { segments: { segmentBytes: 10 * 1024 } }));
    await record(store, w);
    const q = (s: HistoryStore) => s.series(w.initialAt, (w.steps.at(-1) as WorldStep).at + 1, 50);
    const live = q(store);
    await store.close();
    const again = HistoryStore.open(options(dir));
    expect(q(again)).toEqual(live);
    const tasks = w.steps.map((s) => s.state.host.tasks);
    expect(Math.max(...(live.host.tasks as number[]))).toBe(Math.max(...tasks));
    expect(live.containers.map((c) => c.id)).toEqual(['c0ffee'.padEnd(64, '0')]);
    await again.close();
  });
});

/** Bytes of the last frame of the store's last segment. */
function lastFrameLength(store: HistoryStore): number {
  return store.layout().at(-1)?.frames.at(-1)?.length ?? 0;
}
