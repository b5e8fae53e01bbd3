import { type Event, STALE_AFTER_MS, type State } from '@pidscope/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, type ConnectionStatus, REFUSED, streamUrl } from '../src/net/connection.js';
import { emptyPatch, FakeSocket, factory, hello, snapshotOf } from './fakeSocket.js';
import { event, host, proc, processes, state } from './fixtures/hosts.js';

function setup(extra: Partial<ConstructorParameters<typeof Connection>[0]> = {}) {
  const statuses: ConnectionStatus[] = [];
  const patches: { seq: number; state: State; events: readonly Event[] }[] = [];
  const snapshots: number[] = [];
  const problems: (string | null)[] = [];
  const conn = new Connection({
    url: 'ws://127.0.0.1:7070/api/v1/stream',
    socket: factory,
    random: () => 1,
    minBackoffMs: 500,
    maxBackoffMs: 4000,
    ...extra,
    handlers: {
      hello: () => undefined,
      snapshot: (s) => snapshots.push(s.seq),
      patch: (s, events) => patches.push({ seq: s.seq, state: s, events }),
      status: (s) => statuses.push(s),
      problem: (p) => problems.push(p),
    },
  });
  return { conn, statuses, patches, snapshots, problems };
}

function goLive(seq = 1): FakeSocket {
  const ws = FakeSocket.last();
  ws.open();
  ws.push(hello());
  ws.push(snapshotOf(state({ seq })));
  return ws;
}

describe('Connection', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.reset();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is "reconnecting" until a snapshot arrives, then "live"', () => {
    const { conn, statuses, snapshots } = setup();
    conn.start();
    expect(conn.status).toBe('reconnecting');
    const ws = FakeSocket.last();
    ws.open();
    ws.push(hello());
    expect(conn.status).toBe('reconnecting');
    ws.push(snapshotOf(state({ seq: 5 })));
    expect(conn.status).toBe('live');
    expect(snapshots).toEqual([5]);
    expect(statuses).toEqual(['live']);
    conn.stop();
  });

  it('applies patches in order and advances its seq', () => {
    const { conn, patches } = setup();
    conn.start();
    goLive(1);
    FakeSocket.last().push(emptyPatch(1, { added: [proc({ pid: 9000, ppid: 1, comm: 'x' })] }));
    FakeSocket.last().push(emptyPatch(2, { host: { tasks: host.tasks + 1 } }));
    expect(patches.map((p) => p.seq)).toEqual([2, 3]);
    expect(patches[0]?.state.processes.some((p) => p.pid === 9000)).toBe(true);
    expect(conn.heldSeq).toBe(3);
    conn.stop();
  });

  it('asks once for a resync when a patch does not follow its seq, and ignores patches until the snapshot', () => {
    const { conn, patches, statuses } = setup();
    conn.start();
    const ws = goLive(1);
    ws.push(emptyPatch(4));
    ws.push(emptyPatch(5));
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'resync' })]);
    expect(patches).toEqual([]);
    expect(conn.status).toBe('stale');
    ws.push(snapshotOf(state({ seq: 6 })));
    expect(conn.status).toBe('live');
    ws.push(emptyPatch(6));
    expect(patches.map((p) => p.seq)).toEqual([7]);
    expect(statuses).toEqual(['live', 'stale', 'live']);
    conn.stop();
  });

  it('ignores a patch left over from before the snapshot it holds', () => {
    const { conn, patches } = setup();
    conn.start();
    const ws = goLive(5);
    ws.push(emptyPatch(3));
    expect(patches).toEqual([]);
    expect(ws.sent).toEqual([]);
    conn.stop();
  });

  it('resyncs when a patch fails to apply', () => {
    const { conn, patches } = setup();
    conn.start();
    const ws = goLive(1);
    // The state holds no process 9999: the patch contradicts it.
    ws.push(emptyPatch(1, { removed: [{ pid: 9999, startTime: 1 }] }));
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'resync' })]);
    expect(conn.heldSeq).toBe(1);
    expect(patches).toEqual([]);
    conn.stop();
  });

  it('refuses a patch for another seq: the state it holds stays (and it resyncs)', () => {
    const { conn } = setup();
    conn.start();
    const ws = goLive(3);
    ws.push(emptyPatch(5));
    expect(ws.sent).toEqual([
      expect.objectContaining({ type: 'resync', reason: expect.stringMatching(/seq/) }),
    ]);
    expect(conn.heldSeq).toBe(3);
    conn.stop();
  });

  it('hands over each patch’s state and events, written into the list of the state before last', () => {
    const { conn, patches } = setup();
    conn.start();
    const first = state({ seq: 1, processes: [...processes] });
    const before = first.processes.map((p) => p.pid);
    const ws = FakeSocket.last();
    ws.open();
    ws.push(hello());
    ws.push(snapshotOf(first));
    const exited = event({ id: 1, type: 'exited', pid: 12 });
    for (let seq = 1; seq <= 4; seq++) {
      ws.push(
        emptyPatch(seq, {
          updated: [{ pid: 1, startTime: 10, rssBytes: seq * 1000 }],
          events: seq === 1 ? [exited] : [],
        }),
      );
    }
    const lists = patches.map((p) => p.state.processes);
    expect(patches.map((p) => p.events.length)).toEqual([1, 0, 0, 0]);
    // The snapshot's list is left alone; from the third patch on, two lists take turns.
    expect(first.processes.map((p) => p.pid)).toEqual(before);
    expect(lists[0]).not.toBe(first.processes);
    expect(lists[1]).not.toBe(lists[0]);
    expect(lists[2]).toBe(lists[0]);
    expect(lists[3]).toBe(lists[1]);
    expect(conn.heldSeq).toBe(5);
    // The state shown and the one before it are whole.
    expect(patches[3]?.state.processes.find((p) => p.pid === 1)?.rssBytes).toBe(4000);
    expect(lists[2]?.length).toBe(processes.length);
    expect(lists[2]?.find((p) => p.pid === 1)?.rssBytes).toBe(3000);
    conn.stop();
  });

  it('says when the agent refused the session before the upgrade, and forgets it with the next snapshot', async () => {
    const asked: string[] = [];
    let refused = true;
    const { conn, problems } = setup({
      sessionRefused: async () => {
        asked.push('asked');
        return refused;
      },
    });
    conn.start();
    // Refused before the upgrade: the browser only reports a close (1006) without an open.
    FakeSocket.last().serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(problems).toEqual([REFUSED]);
    vi.advanceTimersByTime(500);
    goLive(1);
    expect(problems).toEqual([REFUSED, null]);
    // A socket that was open and then lost is an agent away, not a refusal: nothing is asked.
    refused = false;
    FakeSocket.last().serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toHaveLength(1);
    expect(problems).toEqual([REFUSED, null]);
    conn.stop();
  });

  it('resyncs on a heartbeat ahead of its seq, not on one that matches', () => {
    const { conn } = setup();
    conn.start();
    const ws = goLive(3);
    ws.push({ type: 'heartbeat', seq: 3, at: Date.now() });
    expect(ws.sent).toEqual([]);
    ws.push({ type: 'heartbeat', seq: 4, at: Date.now() });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'resync' })]);
    conn.stop();
  });

  it('resyncs on a message it cannot read', () => {
    const { conn } = setup();
    conn.start();
    const ws = goLive(1);
    ws.push('{not json');
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'resync' })]);
    expect(conn.stats.badMessages).toBe(1);
    conn.stop();
  });

  it('reconnects with a growing backoff after the socket closes, then resumes live', () => {
    const { conn, statuses } = setup();
    conn.start();
    goLive(1);
    FakeSocket.last().serverClose(1001);
    expect(conn.status).toBe('reconnecting');
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    // The agent is still down: the next attempt waits twice as long.
    FakeSocket.last().serverClose(1006);
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    goLive(9);
    expect(conn.status).toBe('live');
    expect(statuses).toEqual(['live', 'reconnecting', 'live']);
    // A successful snapshot resets the backoff.
    FakeSocket.last().serverClose(1006);
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(4);
    conn.stop();
  });

  it('turns "stale" after a silence and opens a fresh socket', () => {
    const { conn } = setup();
    conn.start();
    const first = goLive(1);
    vi.advanceTimersByTime(STALE_AFTER_MS - 1000);
    expect(conn.status).toBe('live');
    vi.advanceTimersByTime(2000);
    expect(conn.status).toBe('stale');
    expect(first.closed).toBe(true);
    expect(FakeSocket.all).toHaveLength(2);
    goLive(2);
    expect(conn.status).toBe('live');
    conn.stop();
  });

  it('stops for good: no reconnect after stop()', () => {
    const { conn } = setup();
    conn.start();
    const ws = goLive(1);
    conn.stop();
    expect(ws.closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});

describe('streamUrl', () => {
  it('uses ws: or wss: like the page, and never a token (the session cookie authenticates)', () => {
    expect(streamUrl({ protocol: 'http:', host: '127.0.0.1:7070' })).toBe(
      'ws://127.0.0.1:7070/api/v1/stream',
    );
    expect(streamUrl({ protocol: 'https:', host: 'h' })).toBe('wss://h/api/v1/stream');
  });
});
