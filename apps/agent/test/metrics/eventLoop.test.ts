import { createHistogram } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LAG_AWAKE_MS,
  LAG_RESOLUTION_MS,
  lagFigures,
  registerEventLoopDelay,
} from '../../src/metrics/eventLoop.js';
import { parseExposition } from '../helpers/exposition.js';

const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

describe('event-loop delay', () => {
  it('reads nothing recorded as null, and a histogram of ns in seconds', () => {
    const h = createHistogram();
    expect(lagFigures(h)).toBeNull();
    for (const v of [1, 2_000_000, 250_000_000]) h.record(v);
    expect(lagFigures(h)).toMatchObject({
      min: 1e-9,
      p50: expect.closeTo(0.002, 4),
      max: expect.closeTo(0.25, 3),
    });
  });

  it("replaces prom-client's figures: an idle loop reads near 0, a blocked one its stall", async () => {
    const registry = new Registry();
    registerEventLoopDelay(registry);
    const read = async () => {
      const text = await registry.metrics();
      const value = (name: string) =>
        parseExposition(text).get(`nodejs_eventloop_lag_${name}_seconds`)?.samples[0]?.value;
      return { p50: value('p50'), max: value('max') };
    };
    await read();
    // Idle: the timer runs on time, twice.
    await sleep(LAG_RESOLUTION_MS * 2 + 100);
    const idle = await read();
    expect(idle.p50).toBeLessThan(LAG_RESOLUTION_MS / 4 / 1000);
    // A stall of the main thread 300 ms longer than the resolution: the timer falls due within
    // it, and runs at least 300 ms late once it ends.
    const until = Date.now() + LAG_RESOLUTION_MS + 300;
    while (Date.now() < until) {}
    await sleep(50);
    const stalled = await read();
    expect(stalled.max).toBeGreaterThanOrEqual(0.25);
  });
});

describe('event-loop delay on an idle loop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is measured while there is work and LAG_AWAKE_MS after it, then not until the next', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    // A module of its own: its one timer starts on fake time.
    vi.resetModules();
    const { registerEventLoopDelay, measuringLag, loopBusy } = await import(
      '../../src/metrics/eventLoop.js'
    );
    const registry = new Registry();
    registerEventLoopDelay(registry);
    const p50 = async () =>
      parseExposition(await registry.metrics()).get('nodejs_eventloop_lag_p50_seconds')?.samples[0]
        ?.value;
    expect(measuringLag()).toBe(true);
    vi.advanceTimersByTime(LAG_RESOLUTION_MS * 2);
    expect(await p50()).toBe(0.000_000_001);
    // The scrape was work: the timer runs LAG_AWAKE_MS more, then stops.
    vi.advanceTimersByTime(LAG_AWAKE_MS - LAG_RESOLUTION_MS);
    expect(measuringLag()).toBe(true);
    vi.advanceTimersByTime(LAG_RESOLUTION_MS);
    expect(measuringLag()).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(measuringLag()).toBe(false);
    // A scrape after the idle spell reads what the timer measured after the previous one, and
    // wakes it; so does work.
    expect(await p50()).toBe(0.000_000_001);
    expect(measuringLag()).toBe(true);
    vi.advanceTimersByTime(LAG_AWAKE_MS + LAG_RESOLUTION_MS);
    expect(measuringLag()).toBe(false);
    loopBusy();
    expect(measuringLag()).toBe(true);
  });
});
