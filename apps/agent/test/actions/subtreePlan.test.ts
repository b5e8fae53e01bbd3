import type { Container, Process, SignalEffect, SubtreeOrder } from '@pidscope/protocol';
import { subtreeCounts } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import type { ProcessView } from '../../src/actions/preview.js';
import { signalInfo } from '../../src/actions/signals.js';
import {
  descendants,
  levels,
  predictSubtree,
  signalLevels,
  subtreeText,
} from '../../src/actions/subtree.js';
import { proc, web } from './world.js';

/**
 * Container `web`: PID 1 (host 100, `initComm`), a shell 110 holding a zombie 120 and a sleep 121
 * that has a child 130.
 */
function container(initComm: string, cmdline: string[] = [initComm]) {
  const all = [
    proc({ pid: 100, ppid: 90, comm: initComm, cmdline, nsPids: [100, 1] }),
    proc({ pid: 110, ppid: 100, comm: 'sh', nsPids: [110, 7] }),
    proc({ pid: 120, ppid: 110, comm: 'sleep', state: 'Z', cmdline: [], nsPids: [120, 9] }),
    proc({ pid: 121, ppid: 110, comm: 'sleep', nsPids: [121, 10] }),
    proc({ pid: 130, ppid: 121, comm: 'sh', nsPids: [130, 11] }),
  ];
  return viewOf(all, web(initComm, 5));
}

function viewOf(all: Process[], c?: Container) {
  const view: ProcessView = {
    findProcess: (pid) => all.find((p) => p.pid === pid),
    children: (p) => all.filter((x) => x.ppid === p.pid),
    namespaceInit: (ns) => all.find((p) => p.pidNs === ns && p.nsPids.at(-1) === 1 && p.pid > 1),
    container: (id) => (c && id === c.id ? c : undefined),
  };
  return { all, view, byPid: (pid: number) => all.find((p) => p.pid === pid) as Process };
}

/** The plan of the subtree of `root`: every live member gets `effect`, a zombie `none`. */
function plan(
  v: ReturnType<typeof viewOf>,
  root: number,
  effect: SignalEffect,
  over: Record<number, SignalEffect> = {},
) {
  return descendants(v.byPid(root), v.view).map(({ proc: p, depth }) => ({
    proc: p,
    depth,
    effect: over[p.pid] ?? (p.state === 'Z' ? 'none' : effect),
  }));
}

const fates = (order: SubtreeOrder, v: ReturnType<typeof viewOf>, p: ReturnType<typeof plan>) =>
  Object.fromEntries(
    predictSubtree(p, order, v.view).map((m) => [
      m.pid,
      `${m.fate}${m.newParent ? ` <${m.newParent.pid}` : ''}${m.zombieOf ? ` z${m.zombieOf.pid}` : ''}`,
    ]),
  );

describe('predictSubtree ([R8]: what the members become, from the model)', () => {
  it('under a PID 1 that never reaps, root-first: every member ends as its zombie', () => {
    const v = container('sleep');
    expect(fates('root-first', v, plan(v, 110, 'terminate'))).toEqual({
      110: 'zombie z100',
      120: 'zombie <100 z100',
      121: 'zombie <100 z100',
      130: 'zombie <100 z100',
    });
  });

  it('leaves-first: a member exits under its own parent, which may reap it first', () => {
    const v = container('sleep');
    const members = predictSubtree(plan(v, 110, 'terminate'), 'leaves-first', v.view);
    expect(members.map((m) => m.pid)).toEqual([130, 120, 121, 110]);
    expect(Object.fromEntries(members.map((m) => [m.pid, [m.fate, m.newParent?.pid]]))).toEqual({
      // 121 is a sleep: it never reaps 130, whose zombie goes to PID 1 with 121's exit.
      130: ['zombie', undefined],
      120: ['zombie', 100],
      // The shell 110 may reap 121 before its own turn; else PID 1 gets it and keeps it.
      121: ['exits-if-waited', undefined],
      110: ['zombie', undefined],
    });
    expect(members.find((m) => m.pid === 130)?.zombieOf?.pid).toBe(100);
    expect(subtreeCounts(members)).toMatchObject({ members: 4, exits: 1, zombies: 3, orphans: 1 });
    const text = subtreeText('x', members, 'leaves-first', signalInfo('SIGTERM'), v.view, 'web');
    expect(text).toContain(
      '121 (sleep) will exit; it goes if its parent 110 (sh) calls wait() before it exits too, else it goes to PID 1 (sleep) of container web, which never reaps.',
    );
  });

  it('under docker-init every member exits, whatever the order', () => {
    const v = container('docker-init', ['/sbin/docker-init', '--', 'sh']);
    for (const order of ['leaves-first', 'root-first'] as const) {
      const members = predictSubtree(plan(v, 110, 'terminate'), order, v.view);
      expect(members.every((m) => m.fate === 'exits')).toBe(true);
    }
  });

  it('SIGKILL to a PID 1 takes its namespace: the rest are killed', () => {
    const v = container('sleep');
    const members = predictSubtree(
      plan(v, 100, 'terminate', { 100: 'stops-container' }),
      'root-first',
      v.view,
    );
    expect(members.map((m) => [m.pid, m.fate])).toEqual([
      [100, 'exits-if-waited'],
      [110, 'killed'],
      [120, 'killed'],
      [121, 'killed'],
      [130, 'killed'],
    ]);
    const text = subtreeText('x', members, 'root-first', signalInfo('SIGKILL'), v.view, 'web');
    expect(text).toContain('4 processes die with container web, whose PID 1 gets SIGKILL.');
  });

  it('a survivor whose parent exits is adopted by the nearest subreaper that stays', () => {
    const host = [
      proc({ pid: 1, ppid: 0, comm: 'systemd', nsPids: [1], pidNs: 1, containerId: null }),
      proc({
        pid: 50,
        ppid: 1,
        comm: 'systemd',
        cmdline: ['/lib/systemd/systemd', '--user'],
        nsPids: [50],
        pidNs: 1,
        containerId: null,
      }),
      proc({ pid: 60, ppid: 50, comm: 'bash', nsPids: [60], pidNs: 1, containerId: null }),
      proc({ pid: 61, ppid: 60, comm: 'sleep', nsPids: [61], pidNs: 1, containerId: null }),
    ];
    const v = viewOf(host);
    expect(fates('leaves-first', v, plan(v, 60, 'terminate', { 61: 'ignored' }))).toEqual({
      60: 'exits',
      61: 'survives <50',
    });
    // The subreaper in the subtree exits too: the host's PID 1 adopts.
    expect(fates('root-first', v, plan(v, 50, 'terminate', { 61: 'handled' }))).toEqual({
      50: 'exits',
      60: 'exits <1',
      61: 'handles <1',
    });
  });

  it('levels: the deepest first, or the root first', () => {
    const ms = [{ depth: 0 }, { depth: 1 }, { depth: 2 }, { depth: 1 }];
    expect(levels(ms, 'leaves-first').map((l) => l.map((m) => m.depth))).toEqual([
      [2],
      [1, 1],
      [0],
    ]);
    expect(levels(ms, 'root-first').map((l) => l.map((m) => m.depth))).toEqual([[0], [1, 1], [2]]);
  });
});

describe('signalLevels', () => {
  it('sends level by level and waits for what a level ends before the next', async () => {
    const v = container('docker-init', ['/sbin/docker-init', '--', 'sh']);
    const members = predictSubtree(plan(v, 110, 'terminate'), 'leaves-first', v.view);
    const sent: number[] = [];
    const down = new Set<number>();
    await signalLevels(
      members,
      'leaves-first',
      (m) => {
        // A level goes only once the level below has exited.
        const below = members.filter(
          (x) => x.depth > m.depth && x.result === 'sent' && x.effect === 'terminate',
        );
        expect(below.every((x) => down.has(x.pid))).toBe(true);
        sent.push(m.pid);
        if (m.pid === 121) return 'gone';
        return 'sent';
      },
      (pid) => {
        down.add(pid);
        return true;
      },
    );
    expect(sent).toEqual([130, 120, 121, 110]);
    expect(members.map((m) => [m.pid, m.result, m.exited])).toEqual([
      [130, 'sent', true],
      [120, 'sent', null],
      [121, 'gone', null],
      [110, 'sent', true],
    ]);
  });

  it('stops waiting for a member that does not exit: after a level’s time, and in all', async () => {
    const v = container('docker-init', ['/sbin/docker-init', '--', 'sh']);
    const members = predictSubtree(plan(v, 110, 'terminate'), 'root-first', v.view);
    const started = Date.now();
    await signalLevels(
      members,
      'root-first',
      () => 'sent',
      () => false,
      {
        levelMs: 60,
        totalMs: 100,
        pollMs: 5,
      },
    );
    expect(members.map((m) => [m.pid, m.result, m.exited])).toEqual([
      [110, 'sent', false],
      [120, 'sent', null],
      [121, 'sent', false],
      [130, 'sent', false],
    ]);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(100);
    expect(took).toBeLessThan(1_000);
  });
});
