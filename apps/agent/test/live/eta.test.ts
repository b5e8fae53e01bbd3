// Time to full for a real container that leaks processes. The test leaks a sleeping
// process every 200 ms under --pids-limit 300 (full after about a minute); this one does exactly
// that but stops at the first check, 30 s into the trend, and compares the estimate with the time
// left at the rate Docker's own pids count shows, rather than waiting for the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, inject, waitFor } from '../helpers/app.js';
import { TestContainers } from '../helpers/containers.js';
import { childrenOf, commOf } from '../helpers/proc.js';

const containers = new TestContainers();
beforeAll(() => containers.removeAll());
afterAll(() => containers.removeAll());

const LIMIT = 300;

describe('live: when PIDs run out', () => {
  it('estimates the time left for a leaking container within 30%, and gives none once the leak stops', async () => {
    const app = await buildTestApp();
    const { id, initPid } = await containers.run(
      ['sh', '-c', 'sh -c "while :; do sleep 3600 & sleep 0.2; done" & exec sleep 3600'],
      { pidsLimit: LIMIT },
    );
    const leaker = await waitFor(
      () => childrenOf(initPid).find((pid) => commOf(pid) === 'sh'),
      'the leaking shell',
    );
    const docker = containers.docker.getContainer(id);
    /** pids.current as Docker reads it, with the time. */
    const pids = async () => {
      const s = (await docker.stats({ stream: false })) as { pids_stats?: { current?: number } };
      return { at: Date.now(), current: s.pids_stats?.current ?? 0 };
    };
    const live = () => app.model.state().containers.find((c) => c.id === id);
    await waitFor(() => live()?.pidsMax === LIMIT && live(), 'the container with its limit');
    const start = Date.now();

    // Twenty seconds of leak, then ten more measured by Docker: the rate the test checks against.
    await new Promise((r) => setTimeout(r, 20_000 - (Date.now() - start)));
    const a = await pids();
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() - a.at)));
    await app.model.refresh();
    const eta = live()?.etaSeconds;
    const b = await pids();
    const rate = (b.current - a.current) / ((b.at - a.at) / 1000);
    const left = (LIMIT - b.current) / rate;
    expect(rate).toBeGreaterThan(2);
    expect(eta).toBeTypeOf('number');
    expect(Math.abs((eta as number) - left) / left).toBeLessThanOrEqual(0.3);
    // /metrics serves the estimate of its scrape's moment: a tick later, close to the same.
    const metrics = (await inject(app, '/metrics')).body;
    const served = new RegExp(
      `^pidscope_pid_exhaustion_eta_seconds\\{scope="container",container_id="${id}",[^}]*\\} (\\S+)$`,
      'm',
    ).exec(metrics);
    expect(served).not.toBeNull();
    expect(Math.abs(Number(served?.[1]) - left) / left).toBeLessThanOrEqual(0.3);

    process.kill(leaker, 'SIGKILL');
    const stoppedAt = Date.now();
    await waitFor(() => live()?.etaSeconds === null, 'no estimate once the leak stopped', 40_000);
    const after = await pids();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await pids()).current).toBe(after.current);
    expect(Date.now() - stoppedAt).toBeLessThan(40_000);
  }, 90_000);
});
