import { describe, expect, test } from 'vitest';
import {
  diff,
  type Event,
  HEARTBEAT_INTERVAL_MS,
  type Hello,
  initialStreamView,
  openStream,
  PROTOCOL_VERSION,
  type Process,
  receive,
  requestResync,
  STALE_AFTER_MS,
  type StreamView,
} from '../src/index.js';
import { proc, state } from './fixtures.js';

const hello: Hello = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  hostname: 'box',
  kernel: '6.1.0',
  agentVersion: '0.1.0',
  capabilities: [],
  docker: { available: true, reason: null, version: '20.10.24' },
  readOnly: true,
  intervalMs: 1000,
};
const s1 = state(1, [proc(1, 5)]);
const s2 = state(2, [proc(1, 5), proc(20, 900)]);
const s3 = state(3, [proc(20, 900, { state: 'Z', zombieSince: 1 })]);
const zombie: Event = {
  id: 1,
  type: 'zombie-appeared',
  at: 1,
  pid: 20,
  startTime: 900,
  containerId: null,
  message: 'sleep (20) is a zombie',
};

function connected(): StreamView {
  const a = receive(initialStreamView, hello);
  return receive(a.view, { type: 'snapshot', seq: 1, state: s1 }).view;
}

describe('stream client (receive)', () => {
  test('[T1] hello then snapshot gives the state', () => {
    const a = receive(initialStreamView, hello);
    expect(a).toEqual({ view: { ...initialStreamView, hello }, resync: null, events: [] });
    const b = receive(a.view, { type: 'snapshot', seq: 1, state: s1 });
    expect(b.view.state).toEqual(s1);
    expect(b.resync).toBeNull();
  });

  test('[T2] patches apply in order and hand over their events', () => {
    const a = receive(connected(), diff(s1, s2));
    expect(a.view.state).toEqual(s2);
    const b = receive(a.view, diff(s2, s3, [zombie]));
    expect(b.view.state).toEqual(s3);
    expect(b.events).toEqual([zombie]);
    expect(b.resync).toBeNull();
  });

  test('[T3] a heartbeat at the client seq changes nothing; a higher one asks for a resync', () => {
    const v = connected();
    expect(receive(v, { type: 'heartbeat', seq: 1, at: 5 })).toEqual({
      view: v,
      resync: null,
      events: [],
    });
    const behind = receive(v, { type: 'heartbeat', seq: 4, at: 5 });
    expect(behind.resync).toBe('heartbeat at seq 4, state at seq 1');
    expect(behind.view.awaitingSnapshot).toBe(true);
    expect(STALE_AFTER_MS).toBeGreaterThan(HEARTBEAT_INTERVAL_MS);
  });

  test('[T4] a patch for another seq asks for one resync, then patches wait for the snapshot', () => {
    const v = connected();
    const gap = receive(v, diff(s2, s3));
    expect(gap.resync).toBe('patch 3 applies to seq 2, but the state is at seq 1');
    expect(gap.view.state).toBe(v.state);
    const again = receive(gap.view, diff(s2, { ...s3, seq: 4 }));
    expect(again.resync).toBeNull();
    expect(receive(again.view, { type: 'heartbeat', seq: 9, at: 1 }).resync).toBeNull();
    const fresh = receive(again.view, { type: 'snapshot', seq: 3, state: s3 });
    expect(fresh.view).toEqual({ hello, state: s3, awaitingSnapshot: false });
  });

  test('[T4] a patch that contradicts the state asks for a resync', () => {
    const bad = { ...diff(s1, s2), added: [proc(1, 5)] };
    expect(receive(connected(), bad).resync).toBe('patch 2 adds existing process 1:5');
  });

  test('[T4] a patch left over from before the snapshot is ignored', () => {
    const v = receive(connected(), { type: 'snapshot', seq: 2, state: s2 }).view;
    const stale = receive(v, diff(s1, s2));
    expect(stale).toEqual({ view: v, resync: null, events: [] });
  });

  test('[T4] a patch before any snapshot asks for a resync', () => {
    expect(receive(initialStreamView, diff(s1, s2)).resync).toBe('patch 2 before any snapshot');
  });

  test('[T1] a new socket waits for its snapshot: patches before it are ignored, no resync', () => {
    const v = openStream(connected());
    expect(v.state).toEqual(s1);
    expect(receive(v, diff(s1, s2))).toEqual({ view: v, resync: null, events: [] });
    expect(openStream(v)).toBe(v);
    const fresh = receive(receive(v, hello).view, { type: 'snapshot', seq: 2, state: s2 });
    expect(fresh.view.awaitingSnapshot).toBe(false);
    expect(receive(fresh.view, diff(s2, s3)).view.state).toEqual(s3);
  });

  test('[T4] a message the client cannot read asks for one resync', () => {
    const asked = requestResync(connected(), 'unreadable message');
    expect(asked.resync).toBe('unreadable message');
    expect(asked.view.awaitingSnapshot).toBe(true);
    expect(requestResync(asked.view, 'unreadable message').resync).toBeNull();
  });

  test('[A10] a patch is written into the list given to reuse, and a refused one leaves it', () => {
    const reuse: Process[] = [];
    const a = receive(connected(), diff(s1, s2), reuse);
    expect(a.view.state?.processes).toBe(reuse);
    expect(a.view.state).toEqual(s2);
    const kept: Process[] = [proc(7, 70)];
    const bad = { ...diff(s2, s3), removed: [{ pid: 99, startTime: 1 }] };
    expect(receive(a.view, bad, kept).resync).toBe('patch 3 removes unknown process 99:1');
    expect(kept).toEqual([proc(7, 70)]);
  });
});
