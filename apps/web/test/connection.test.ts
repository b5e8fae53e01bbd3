import { type Patch, STALE_AFTER_MS } from '@pidscope/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, type ConnectionStatus, streamUrl } from '../src/net/connection.js';
import { emptyPatch, FakeSocket, factory, hello, snapshotOf } from './fakeSocket.js';
import { host, proc, state } from './fixtures/hosts.js';

function setup(opts: { patchThrows?: boolean } = {}) {
  const statuses: ConnectionStatus[] = [];
  const patches: Patch[] = [];
  const snapshots: number[] = [];
  const conn = new Connection({
    url: 'ws://127.0.0.1:7070/api/v1/stream',
    socket: factory,
    random: () => 1,
    minBackoffMs: 500,
    maxBackoffMs: 4000,
    handlers: {
      hello: () => undefined,
      snapshot: (s) => snapshots.push(s.seq),
      patch: (p) => {
        if (opts.patchThrows) throw new Error('does not apply');
        patches.push(p);
      },
      status: (s) => statuses.push(s),
    },
  });
  return { conn, statuses, patches, snapshots };
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

  it('compiles the patch and heartbeat checkers once idle after the first snapshot', async () => {
    // Fresh modules: no earlier test has parsed a patch yet.
    vi.resetModules();
    const protocol = await import('@pidscope/protocol');
    const { Connection: FreshConnection } = await import('../src/net/connection.js');
    const fake = await import('./fakeSocket.js');
    const conn = new FreshConnection({
      url: 'ws://127.0.0.1:7070/api/v1/stream',
      socket: fake.factory,
      handlers: { hello() {}, snapshot() {}, patch() {}, status() {} },
    });
    conn.start();
    const ws = fake.FakeSocket.last();
    ws.open();
    ws.push(fake.hello());
    vi.runOnlyPendingTimers();
    expect(protocol.isServerMessagePrepared('patch')).toBe(false);
    ws.push(fake.snapshotOf(state({ seq: 1 })));
    expect(protocol.isServerMessagePrepared('patch')).toBe(false);
    vi.advanceTimersByTime(0);
    expect(protocol.isServerMessagePrepared('patch')).toBe(true);
    expect(protocol.isServerMessagePrepared('heartbeat')).toBe(true);
    conn.stop();
  });

  it('applies patches in order and advances its seq', () => {
    const { conn, patches } = setup();
    conn.start();
    goLive(1);
    FakeSocket.last().push(emptyPatch(1, { added: [proc({ pid: 9000, ppid: 1, comm: 'x' })] }));
    FakeSocket.last().push(emptyPatch(2, { host: { tasks: host.tasks + 1 } }));
    expect(patches.map((p) => p.seq)).toEqual([2, 3]);
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
    const { conn } = setup({ patchThrows: true });
    conn.start();
    const ws = goLive(1);
    ws.push(emptyPatch(1));
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'resync' })]);
    expect(conn.heldSeq).toBe(1);
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
  it('uses ws: or wss: like the page, with the token when there is one', () => {
    expect(streamUrl({ protocol: 'http:', host: '127.0.0.1:7070' }, null)).toBe(
      'ws://127.0.0.1:7070/api/v1/stream',
    );
    expect(streamUrl({ protocol: 'https:', host: 'h' }, 'a b')).toBe(
      'wss://h/api/v1/stream?token=a%20b',
    );
  });
});
