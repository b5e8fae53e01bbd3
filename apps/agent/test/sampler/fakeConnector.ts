// A proc connector for the event source's tests, on fake timers: batches the test delivers (or
// queues, for a drain to take in), and a clock that, like the real one's, takes in what is queued
// before it ticks.
import type { ConnectorBatch, ProcConnector, ProcEvent } from '@pidscope/procfs';

export function fakeConnector() {
  let deliver: (b: ConnectorBatch) => void = () => {};
  const queued: ConnectorBatch[] = [];
  /** What restFor was asked, in order. */
  const rests: number[] = [];
  let clock: ReturnType<typeof setInterval> | undefined;
  const drain = () => {
    for (const b of queued.splice(0)) deliver(b);
  };
  const connector = {
    listen: (onBatch: (b: ConnectorBatch) => void) => {
      deliver = onBatch;
    },
    drain,
    restFor: (ms: number) => rests.push(ms),
    // A new period replaces the clock: its next tick is one period from now.
    every: (ms: number, run: () => void) => {
      clearInterval(clock);
      clock = setInterval(() => {
        drain();
        run();
      }, ms);
    },
    close: () => clearInterval(clock),
  } as unknown as ProcConnector;
  return { connector, queued, rests, deliver: (b: ConnectorBatch) => deliver(b) };
}

const batch = (e: ProcEvent): ConnectorBatch => ({ events: [e], overrun: null, missing: 0 });

export const fork = (pid: number): ConnectorBatch =>
  batch({ kind: 'fork', parentPid: 1, parentTgid: 1, childPid: pid, childTgid: pid } as ProcEvent);

export const exit = (pid: number): ConnectorBatch =>
  batch({
    kind: 'exit',
    pid,
    tgid: pid,
    exitCode: 9,
    exitSignal: 17,
    parentPid: 1,
    parentTgid: 1,
    cpu: 0,
    seq: 1,
  } as ProcEvent);
