// The replay API on a real agent recording this host, through inject.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  EventsAnswer,
  HistoryDiff,
  HistoryRange,
  HistorySeries,
  HistoryState,
} from '@pidscope/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, inject, useSharedApp, waitFor } from '../helpers/app.js';

const shared = useSharedApp();

describe('the replay API', () => {
  it('[H1] says what is recorded, and that it is recording', async () => {
    const app = shared();
    const range = await waitFor(async () => {
      const r = (await inject(app, '/api/v1/history')).json() as HistoryRange;
      return r.to !== null && (r.to as number) > (r.from as number) && r;
    }, 'a recorded tick after the first keyframe');
    expect(range.keyframes).toBeGreaterThanOrEqual(1);
    expect(range.bytes).toBeGreaterThan(0);
    expect(range.recording).toMatchObject({ state: 'recording', reason: null });
    // A read like every other: the token or the session is needed.
    for (const url of ['/api/v1/history', `/api/v1/history/state?at=${Date.now()}`]) {
      expect((await app.inject(url)).statusCode).toBe(401);
    }
    const health = (await inject(app, '/healthz')).json();
    expect(health.recording.state).toBe('recording');
  });

  it('[H2] answers the state at a recorded moment, as it was published then', async () => {
    const app = shared();
    await app.model.refresh();
    const live = app.model.state();
    const at = Date.now();
    // Written within a second (the flush), then readable.
    const res = await waitFor(async () => {
      const r = await inject(app, `/api/v1/history/state?at=${at}`);
      const body = r.json() as HistoryState;
      return r.statusCode === 200 && body.state.seq >= live.seq && body;
    }, 'the state at a moment just past');
    expect(res.at).toBe(at);
    expect(res.recordedAt).toBeLessThanOrEqual(at);
    if (res.state.seq === live.seq) expect(res.state).toEqual(live);
    const self = res.state.processes.find((p) => p.pid === process.pid);
    expect(self?.comm).toBeTruthy();
  });

  it('[H2] answers 404 before the recorded range and 400 for a bad moment', async () => {
    const app = shared();
    const before = await inject(app, '/api/v1/history/state?at=1000');
    expect(before.statusCode).toBe(404);
    expect(before.json()).toMatchObject({ code: 'NOT_RECORDED' });
    expect(before.json().message).toMatch(/nothing is recorded before/);
    for (const at of ['abc', '-1', '']) {
      expect((await inject(app, `/api/v1/history/state?at=${at}`)).statusCode).toBe(400);
    }
    expect((await inject(app, '/api/v1/history/state')).statusCode).toBe(400);
  });

  it('[H4] diffs two moments with the events between them', async () => {
    const app = shared();
    const from = Date.now();
    // Events strictly after `from` count.
    await new Promise((r) => setTimeout(r, 5));
    app.model.recordEvent({
      type: 'exited',
      pid: 4_000_000,
      startTime: 1,
      containerId: null,
      message: 'a test event',
    });
    await new Promise((r) => setTimeout(r, 1500));
    const to = Date.now();
    const res = await inject(app, `/api/v1/history/diff?from=${from}&to=${to}`);
    expect(res.statusCode).toBe(200);
    const d = res.json() as HistoryDiff;
    expect(d.from).toBe(from);
    expect(d.to).toBe(to);
    expect(d.events.map((e) => e.message)).toContain('a test event');
    for (const e of d.events) {
      expect(e.at).toBeGreaterThan(from);
      expect(e.at).toBeLessThanOrEqual(to);
    }
    expect((await inject(app, `/api/v1/history/diff?from=${to}&to=${from}`)).statusCode).toBe(400);
  });

  it('[H5] filters events by type, container and time, newest `limit` first kept', async () => {
    const app = shared();
    const since = Date.now();
    for (let i = 0; i < 5; i++) {
      app.model.recordEvent({
        type: 'pids-limit-hit',
        pid: 0,
        startTime: 0,
        containerId: 'ab'.repeat(32),
        message: `hit ${i}`,
      });
    }
    const get = async (q: string) => {
      const r = await inject(app, `/api/v1/events?since=${since}&${q}`);
      expect(r.statusCode).toBe(200);
      return r.json() as EventsAnswer;
    };
    const mine = `containerId=${'ab'.repeat(32)}`;
    const all = await get(`type=pids-limit-hit&${mine}`);
    expect(all.events.map((e) => e.message)).toEqual([0, 1, 2, 3, 4].map((i) => `hit ${i}`));
    expect(all.more).toBe(false);
    const two = await get(`type=pids-limit-hit,zombie-appeared&limit=2&${mine}`);
    expect(two.events.map((e) => e.message)).toEqual(['hit 3', 'hit 4']);
    expect(two.more).toBe(true);
    expect((await get(`containerId=${'ab'.repeat(6)}`)).events).toHaveLength(5);
    expect((await get(`containerId=${'cd'.repeat(6)}`)).events).toHaveLength(0);
    const before = await inject(
      app,
      `/api/v1/events?until=${since - 1}&containerId=${'ab'.repeat(32)}`,
    );
    expect(before.json().events).toHaveLength(0);
    const backwards = await inject(app, `/api/v1/events?since=${since}&until=${since - 1}`);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().message).toMatch(/since .* is after until/);
    const bad = await inject(app, '/api/v1/events?type=zombie,nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/unknown event type\(s\): zombie, nope/);
    expect((await inject(app, '/api/v1/events?limit=0')).statusCode).toBe(400);
    expect((await inject(app, '/api/v1/events?containerId=XYZ')).statusCode).toBe(400);
  });

  it('[H6] gives headroom series over the recorded range', async () => {
    const app = shared();
    const r = (await inject(app, '/api/v1/history')).json() as HistoryRange;
    const res = await inject(
      app,
      `/api/v1/history/series?from=${r.from}&to=${Date.now()}&points=10`,
    );
    expect(res.statusCode).toBe(200);
    const s = res.json() as HistorySeries;
    expect(s.host.tasks).toHaveLength(10);
    expect(s.host.tasks.at(-1)).toBeGreaterThan(0);
    expect(s.host.limit.at(-1)).toBe(
      Math.min(app.model.state().host.pidMax - 300, app.model.state().host.threadsMax),
    );
    expect((await inject(app, `/api/v1/history/series?from=5&to=5`)).statusCode).toBe(400);
  });
});

describe('the store across agent runs', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'pidscope-runs-'));
    dirs.push(d);
    return d;
  };

  it('[H5] keeps events of an earlier run, and ids go on from them', async () => {
    const dir = dataDir();
    const first = await buildTestApp({ argv: ['--data-dir', dir] });
    first.model.recordEvent({
      type: 'exited',
      pid: 7,
      startTime: 7,
      containerId: null,
      message: 'run 1',
    });
    await waitFor(
      async () => (await inject(first, '/api/v1/events?since=0')).json().events.length > 0,
      'the event',
    );
    await first.close();
    const second = await buildTestApp({ argv: ['--data-dir', dir] });
    second.model.recordEvent({
      type: 'exited',
      pid: 8,
      startTime: 8,
      containerId: null,
      message: 'run 2',
    });
    const events = await waitFor(async () => {
      const e = (await inject(second, '/api/v1/events?since=0&type=exited')).json() as EventsAnswer;
      return e.events.some((x) => x.message === 'run 2') && e.events;
    }, 'the second run’s event');
    const one = events.find((e) => e.message === 'run 1');
    const two = events.find((e) => e.message === 'run 2');
    expect(one && two && two.id > one.id).toBe(true);
  });

  it('[H8] moves an unreadable store aside and records in a new one', async () => {
    const dir = dataDir();
    mkdirSync(join(dir, 'history'));
    writeFileSync(join(dir, 'history', '0000000001.seg'), 'this is not a pidscope segment');
    const app = await buildTestApp({ argv: ['--data-dir', dir] });
    const moved = readdirSync(dir).filter((n) => n.startsWith('history.broken-'));
    expect(moved).toHaveLength(1);
    expect(existsSync(join(dir, moved[0] as string, '0000000001.seg'))).toBe(true);
    expect(app.history.status().state).toBe('recording');
    expect((await inject(app, '/api/v1/history')).json().keyframes).toBe(1);
  });

  it('[H8] runs on without recording when told to, and says so', async () => {
    const app = await buildTestApp({ argv: ['--max-disk', '0'] });
    const health = (await inject(app, '/healthz')).json();
    expect(health.status).toBe('degraded');
    expect(health.recording).toMatchObject({ state: 'off', reason: 'PIDSCOPE_MAX_DISK is 0' });
    expect((await inject(app, '/api/v1/history')).json()).toMatchObject({ from: null, to: null });
    expect((await inject(app, `/api/v1/history/state?at=${Date.now()}`)).statusCode).toBe(503);
    expect((await inject(app, '/api/v1/snapshot')).statusCode).toBe(200);
  });
});
