import { describe, expect, it } from 'vitest';
import { Fanout, type FanoutSocket } from '../src/fanout.js';

/** A socket that keeps what it is sent; `bufferedAmount` and `readyState` are the test's to set. */
function socket(): FanoutSocket & { sent: string[]; bufferedAmount: number; readyState: number } {
  const sent: string[] = [];
  return { sent, readyState: 1, bufferedAmount: 0, send: (t) => sent.push(t), close: () => {} };
}

describe('Fanout.nextTickIn', () => {
  let now = 1_000;
  const fanout = () =>
    new Fanout(
      { hello: () => '{}', snapshot: () => ({ seq: 1, text: '{"seq":1}' }), seq: () => 1 },
      { heartbeatMs: 10_000, highWaterBytes: 100, lowWaterBytes: 10, now: () => now },
    );

  it('is Infinity without clients, then the first heartbeat due, 0 once one is late', () => {
    const f = fanout();
    expect(f.nextTickIn(now, 1000)).toBe(Number.POSITIVE_INFINITY);
    const a = socket();
    f.add(a).start();
    now += 4_000;
    const b = socket();
    f.add(b).start();
    expect(f.nextTickIn(now, 1000)).toBe(6_000);
    now += 6_000;
    expect(f.nextTickIn(now, 1000)).toBe(0);
    f.tick();
    expect(a.sent.at(-1)).toMatch(/heartbeat/);
    expect(f.nextTickIn(now, 1000)).toBe(4_000);
  });

  it('looks at a client that fell behind, or waits for a resync, every catch-up interval', () => {
    const f = fanout();
    const s = socket();
    const client = f.add(s);
    client.start();
    s.bufferedAmount = 1_000;
    f.publish({ type: 'patch', baseSeq: 1, seq: 2 } as never, () => '{}');
    expect(f.nextTickIn(now, 1000)).toBe(1000);
    s.bufferedAmount = 0;
    f.tick();
    expect(s.sent.at(-1)).toBe('{"seq":1}');
    expect(f.nextTickIn(now, 1000)).toBe(10_000);
    // Its snapshot still unsent: the resync waits for it to drain.
    s.bufferedAmount = 50;
    client.resync();
    expect(f.nextTickIn(now, 1000)).toBe(1000);
  });
});
