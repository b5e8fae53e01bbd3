import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectorBatch, ProcConnector, type ProcEvent } from '../../src/index.js';
import { ProcessPool, waitFor } from '../support/live.js';

const pool = new ProcessPool();
const open: ProcConnector[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
  pool.stopAll();
});

async function listen(
  opts: Parameters<typeof ProcConnector.open>[0] = {},
): Promise<{ events: ProcEvent[]; batches: ConnectorBatch[] }> {
  const connector = await ProcConnector.open(opts);
  open.push(connector);
  const events: ProcEvent[] = [];
  const batches: ConnectorBatch[] = [];
  connector.listen(
    (b) => {
      batches.push(b);
      events.push(...b.events);
    },
    (err) => {
      throw err;
    },
  );
  return { events, batches };
}

/**
 * A connector whose listener keeps every batch, resting for `restMs` since the wake-up that
 * brought the exit of a first process.
 */
async function restingAfterOne(
  restMs: number,
): Promise<{ connector: ProcConnector; batches: ConnectorBatch[] }> {
  const connector = await ProcConnector.open();
  open.push(connector);
  const batches: ConnectorBatch[] = [];
  let restAfter = 0;
  connector.listen(
    (b) => {
      batches.push(b);
      if (exitsOf([b], restAfter).length > 0) connector.restFor(restMs);
    },
    (err) => {
      throw err;
    },
  );
  const first = pool.start('/bin/true', []);
  restAfter = first.pid as number;
  await waitFor('the first process', () => exitsOf(batches, first.pid)[0]);
  return { connector, batches };
}

/** The exits of `pid` in `batches`. */
const exitsOf = (batches: ConnectorBatch[], pid: number | undefined) =>
  batches.flatMap((b) => b.events.filter((e) => e.kind === 'exit' && e.pid === pid));

const probe = fileURLToPath(new URL('../support/connectorProbe.ts', import.meta.url));

/** Runs the probe under `wrapper` (unshare, capsh…) and returns what it printed. */
function probeUnder(wrapper: string[]): { ok: boolean; code?: string; message?: string } {
  const r = spawnSync(
    wrapper[0] as string,
    [...wrapper.slice(1), process.execPath, '--import', 'tsx', probe],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  if (r.status !== 0) throw new Error(`probe failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
}

describe('the proc connector, live', () => {
  it("reports a process's fork, exec, comm change and exit, and its child's, with host PIDs", async () => {
    const { events } = await listen();
    const sh = pool.start('sh', ['-c', 'printf renamed > /proc/$$/comm; /bin/true; exit 5']);
    const pid = sh.pid as number;
    const exit = await waitFor('the exit of sh', () =>
      events.find((e) => e.kind === 'exit' && e.pid === pid),
    );
    expect(exit).toMatchObject({ tgid: pid, exitCode: 5 << 8, parentTgid: process.pid });
    const forkOfSh = events.find((e) => e.kind === 'fork' && e.childPid === pid);
    expect(forkOfSh).toMatchObject({ childTgid: pid, parentTgid: process.pid });
    expect(events.some((e) => e.kind === 'exec' && e.pid === pid)).toBe(true);
    expect(events.find((e) => e.kind === 'comm' && e.pid === pid)).toMatchObject({
      comm: 'renamed',
    });
    const child = events.find(
      (e): e is Extract<ProcEvent, { kind: 'fork' }> => e.kind === 'fork' && e.parentTgid === pid,
    );
    expect(child?.childPid).toBe(child?.childTgid);
    const childExit = events.find((e) => e.kind === 'exit' && e.pid === child?.childPid);
    expect(childExit).toMatchObject({ exitCode: 0, parentTgid: pid });
  });

  it('tells a thread from a process: a new thread is a fork inside its thread group', async () => {
    const { events } = await listen();
    const node = pool.start(process.execPath, [
      '-e',
      "new (require('node:worker_threads').Worker)('0', { eval: true })",
    ]);
    const pid = node.pid as number;
    await waitFor('the exit of node', () => events.find((e) => e.kind === 'exit' && e.pid === pid));
    const forks = events.filter(
      (e): e is Extract<ProcEvent, { kind: 'fork' }> => e.kind === 'fork' && e.childTgid === pid,
    );
    expect(forks.filter((e) => e.childPid === pid)).toHaveLength(1);
    expect(forks.filter((e) => e.childPid !== pid).length).toBeGreaterThan(1);
  });

  it('reports a queue overflow (ENOBUFS) when the reader falls behind, and goes on after it', async () => {
    // The kernel's smallest receive queue holds a few events; a burst while the event loop is
    // blocked overflows it.
    const { batches } = await listen({ receiveBufferBytes: 1 });
    execFileSync('sh', ['-c', 'i=0; while [ $i -lt 100 ]; do /bin/true; i=$((i+1)); done']);
    const at = batches.indexOf(await waitFor('an overrun', () => batches.find((b) => b.overrun)));
    expect(batches[at]?.overrun).toBe('enobufs');
    // Still subscribed: events keep coming (with a queue this small, some are lost again).
    pool.start('sh', ['-c', 'i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i+1)); done']);
    await waitFor('events after the overrun', () =>
      batches.slice(at + 1).find((b) => b.events.some((e) => e.kind === 'exec')),
    );
  });

  it('rests when asked: events wait in the kernel until a drain takes them in one batch', async () => {
    const { connector, batches } = await restingAfterOne(5000);
    const seen = batches.length;
    const second = pool.start('/bin/true', []);
    await new Promise((r) => second.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    expect(exitsOf(batches.slice(seen), second.pid)).toEqual([]);
    connector.drain();
    expect(exitsOf(batches.slice(seen), second.pid)).toHaveLength(1);
  });

  it('moves a rest asked for again while resting: later keeps the socket unwatched, 0 watches it at once', async () => {
    const { connector, batches } = await restingAfterOne(400);
    // Resting for 400 ms; at once, asked again for 1.5 s from now.
    connector.restFor(1500);
    const seen = batches.length;
    const second = pool.start('/bin/true', []);
    await new Promise((r) => second.once('exit', r));
    // Past the first rest's end: still unwatched.
    await new Promise((r) => setTimeout(r, 700));
    expect(exitsOf(batches.slice(seen), second.pid)).toEqual([]);
    // Asked for no rest: watched again now, and what waited comes without a drain.
    connector.restFor(0);
    await waitFor('the queued exit', () => exitsOf(batches.slice(seen), second.pid)[0], 300);
  });

  it('runs a due tick when asked while the socket rests, which would bring none', async () => {
    const { connector } = await restingAfterOne(5000);
    let ticks = 0;
    connector.every(100, () => ticks++);
    // Resting for 5 s: no wake-up, so no tick.
    await new Promise((r) => setTimeout(r, 300));
    expect(ticks).toBe(0);
    connector.tick();
    expect(ticks).toBe(1);
    // Not due again yet.
    connector.tick();
    expect(ticks).toBe(1);
    connector.close();
    await new Promise((r) => setTimeout(r, 150));
    connector.tick();
    expect(ticks).toBe(1);
  });

  it('ticks on its own wake-ups, quiet or busy, and stops once closed', async () => {
    const connector = await ProcConnector.open();
    const log: string[] = [];
    connector.listen(
      (b) => {
        if (b.events.length > 0) log.push('batch');
      },
      (err) => {
        throw err;
      },
    );
    connector.every(50, () => log.push('tick'));
    // A quiet socket: the poll's timeout is the clock.
    await waitFor('three ticks', () => log.filter((l) => l === 'tick').length >= 3 || undefined);
    // A busy one: the wake-ups that bring events keep the clock going too.
    const busy = pool.start('sh', [
      '-c',
      'i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i+1)); done',
    ]);
    await new Promise((r) => busy.once('exit', r));
    const before = log.length;
    await waitFor(
      'ticks after the burst',
      () => log.slice(before).filter((l) => l === 'tick').length >= 2 || undefined,
    );
    connector.close();
    const closedAt = log.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(log.length).toBe(closedAt);
  });

  it('waits for the next tick however far it is, without waking in between, and wakes at once to close', async () => {
    const connector = await ProcConnector.open();
    connector.listen(
      () => {},
      (err) => {
        throw err;
      },
    );
    let ticks = 0;
    connector.every(1600, () => ticks++);
    const start = connector.wakeUps();
    await waitFor('two ticks', () => ticks >= 2 || undefined, 6000);
    // Each timeout was a tick: no wake-up once a second in between (events on a busy host can
    // wake it, and are counted apart). Setting the clock woke the poll that waited without one.
    const woke = connector.wakeUps();
    expect(woke.timedOut - start.timedOut).toBeLessThanOrEqual(ticks);
    expect(woke.woken - start.woken).toBe(1);
    // Closed, a poll that would wait 1.6 s more lets go of its thread at once.
    connector.close();
    await waitFor(
      'the poll let go',
      () => connector.wakeUps().woken > woke.woken || undefined,
      300,
    );
  });

  it('is unavailable outside the host network namespace, and says why', () => {
    expect(probeUnder(['unshare', '--net'])).toEqual({
      ok: false,
      code: 'EUNAVAILABLE',
      message: expect.stringContaining('no proc connector in this network namespace'),
    });
  });

  it('is unavailable outside the host PID namespace: the kernel does not answer', () => {
    expect(probeUnder(['unshare', '--pid', '--fork'])).toEqual({
      ok: false,
      code: 'EUNAVAILABLE',
      message: expect.stringContaining('another PID or user namespace'),
    });
  });
});
