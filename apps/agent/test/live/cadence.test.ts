// The event source in a fork storm, on the real proc connector and /proc: while windows stay busy
// it reads on a steady cadence, one flush per BUSY_GAP_MS, with the socket left resting in between
// (drained by each flush) instead of waking for the first event of every gap; its watch keeps its
// clock meanwhile, though the socket's wake-ups it rides on are gone; and once the storm is over
// the socket is watched again, so a lone event is read at once.
import { spawn } from 'node:child_process';
import { CgroupReader, ProcScanner, readHostHeadroom } from '@pidscope/procfs';
import { cpuNews } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { BUSY_GAP_MS, EventSource, openConnector } from '../../src/sampler/eventSource.js';
import type { Sample } from '../../src/sampler/messages.js';
import { Sampling } from '../../src/sampler/sample.js';
import { waitFor } from '../helpers/app.js';
import { killedAfterEach } from '../helpers/proc.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kill = killedAfterEach();
const WATCH_MS = 250;

describe('live: the event source in a fork storm', () => {
  it('reads on a steady cadence with the socket resting, keeps its watch, and watches the socket again after', async () => {
    const settings = { receiveBufferBytes: 8 * 1024 * 1024, watchMs: WATCH_MS };
    const connector = await openConnector('/proc', settings);
    const sampling = new Sampling(
      new ProcScanner({ cpuNews }),
      new CgroupReader(),
      '/proc',
      readHostHeadroom,
    );
    // The real watch, counted: its clock is what the test looks at.
    let watches = 0;
    const watch = sampling.watch.bind(sampling);
    sampling.watch = (all, now) => {
      watches++;
      return watch(all, now);
    };
    const samples: { cause: Sample['cause']; at: number; changed: number[] }[] = [];
    const errors: Error[] = [];
    const source = new EventSource(connector, sampling, settings, {
      emit: (s) =>
        samples.push({ cause: s.cause, at: Date.now(), changed: s.changed.map((r) => r.pid) }),
      error: (err) => errors.push(err),
      stopped: (err) => errors.push(err),
    });
    try {
      sampling.walk(true, 'scan');
      source.walked();
      source.start();

      // About 75 short-lived processes a second for 3 s: each a fork, an exec and an exit.
      const storm = spawn(
        'sh',
        ['-c', 'i=0; while [ $i -lt 230 ]; do sleep 0.01; i=$((i+1)); done'],
        {
          stdio: 'ignore',
        },
      );
      kill.push(storm.pid as number);
      await pause(600);
      const woke = connector.wakeUps();
      const from = samples.length;
      const watchesFrom = watches;
      const t0 = Date.now();
      await pause(1500);
      const seconds = (Date.now() - t0) / 1000;
      const during = samples.slice(from).filter((s) => s.cause === 'events');
      // A flush per gap: the socket brought none of these; each flush's drain did.
      expect(connector.wakeUps().readable - woke.readable).toBeLessThanOrEqual(2);
      expect(during.length).toBeGreaterThanOrEqual(Math.floor((seconds * 1000) / BUSY_GAP_MS) - 4);
      expect(during.length).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / BUSY_GAP_MS) + 1);
      // The watch kept its clock: one every WATCH_MS, give or take a flush.
      expect(watches - watchesFrom).toBeGreaterThanOrEqual(
        Math.floor((seconds * 1000) / WATCH_MS) - 1,
      );

      await new Promise((r) => (storm.exitCode === null ? storm.once('exit', r) : r(null)));
      await pause(300);
      // The storm is over: the socket is watched again, and a lone process is read from its events.
      const quiet = connector.wakeUps();
      const lone = spawn('sleep', ['30'], { stdio: 'ignore' });
      const pid = lone.pid as number;
      kill.push(pid);
      await waitFor(
        () => samples.some((s) => s.cause === 'events' && s.changed.includes(pid)) || undefined,
        'the lone process read from its events',
      );
      expect(connector.wakeUps().readable).toBeGreaterThan(quiet.readable);
      expect(errors).toEqual([]);
    } finally {
      source.close();
    }
  });
});
