// A proc connector for the event source's tests, on fake timers: batches the test delivers (or
// queues, for a drain to take in), and a clock that, like the real one's, rides on the socket's
// wake-ups: it takes in what is queued before it ticks. Like the real socket, one left to rest
// (restFor) queues what comes meanwhile and hands it over in one wake-up when the rest ends,
// unless a drain took it first; its clock does not tick meanwhile, but `tick()` runs a due tick
// with nothing taken in.
import type { ConnectorBatch, ProcConnector, ProcEvent } from '@pidscope/procfs';

export function fakeConnector() {
  let deliver: (b: ConnectorBatch) => void = () => {};
  const queued: ConnectorBatch[] = [];
  /** What restFor was asked, in order. */
  const rests: number[] = [];
  /** Batches handed over by a wake-up of the socket (not by a drain or the clock). */
  const wakeUps = { count: 0 };
  let restUntil = 0;
  let restTimer: ReturnType<typeof setTimeout> | undefined;
  let clock: { everyMs: number; run: () => void; next: number } | null = null;
  let clockTimer: ReturnType<typeof setTimeout> | undefined;
  const drain = () => {
    for (const b of queued.splice(0)) deliver(b);
  };
  const arrive = (b: ConnectorBatch) => {
    if (Date.now() < restUntil) {
      queued.push(b);
      return;
    }
    wakeUps.count++;
    deliver(b);
  };
  // As the real one: a tick that comes late keeps the cadence, one more than a period late
  // starts it again from then.
  const tickIfDue = () => {
    const now = Date.now();
    if (!clock || now < clock.next) return;
    clock.next =
      now - clock.next < clock.everyMs ? clock.next + clock.everyMs : now + clock.everyMs;
    clock.run();
  };
  // The poll's timeout: the next tick, or the end of a rest if that is later.
  const wakeForClock = () => {
    clearTimeout(clockTimer);
    if (!clock) return;
    clockTimer = setTimeout(
      () => {
        if (Date.now() < restUntil) {
          wakeForClock();
          return;
        }
        drain();
        tickIfDue();
        wakeForClock();
      },
      Math.max(0, clock.next - Date.now(), restUntil - Date.now()),
    );
  };
  const connector = {
    listen: (onBatch: (b: ConnectorBatch) => void) => {
      deliver = onBatch;
    },
    drain,
    restFor: (ms: number) => {
      rests.push(ms);
      restUntil = Date.now() + ms;
      clearTimeout(restTimer);
      restTimer = setTimeout(
        () => {
          if (queued.length === 0) return;
          wakeUps.count++;
          drain();
        },
        Math.max(0, ms),
      );
      wakeForClock();
    },
    tick: tickIfDue,
    // A new period replaces the clock: its next tick is one period from now.
    every: (ms: number, run: () => void) => {
      clock = { everyMs: ms, run, next: Date.now() + ms };
      wakeForClock();
    },
    close: () => {
      clock = null;
      clearTimeout(clockTimer);
      clearTimeout(restTimer);
    },
  } as unknown as ProcConnector;
  return { connector, queued, rests, wakeUps, deliver: arrive };
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
