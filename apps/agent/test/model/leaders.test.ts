import type { Container, Event, Process } from '@pidscope/protocol';
import { testProcess } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import { rankLeaders } from '../../src/model/leaders.js';
import { container as testContainer } from '../helpers/fixtures.js';

const H = 3_600_000;
const now = 10 * H;
const C = 'c'.repeat(64);
const D = 'd'.repeat(64);

function zombieEvent(
  type: 'zombie-appeared' | 'zombie-reaped',
  pid: number,
  parent: Pick<Process, 'pid' | 'startTime' | 'comm'>,
  at: number,
  containerId: string | null = C,
): Event {
  return {
    id: pid * 10 + (type === 'zombie-reaped' ? 1 : 0),
    type,
    at,
    pid,
    startTime: pid,
    containerId,
    parentPid: parent.pid,
    parentStartTime: parent.startTime,
    parentComm: parent.comm,
    message: '',
  };
}

const leaky = { pid: 500, startTime: 50, comm: 'python3' };
const other = { pid: 600, startTime: 60, comm: 'python3' };
const containers = new Map<string, Container>([
  [C, testContainer({ id: C, name: 'api-1', image: 'team/api:2', hasInit: false })],
  [D, testContainer({ id: D, name: 'api-2', image: 'team/api:2', hasInit: false })],
]);

describe('rankLeaders', () => {
  it('[H9] groups by image and parent command, counts created, reaped and alive, and blames the worst parent', () => {
    const events = [
      zombieEvent('zombie-appeared', 1001, leaky, now - 50 * 60_000),
      zombieEvent('zombie-appeared', 1002, leaky, now - 40 * 60_000),
      zombieEvent('zombie-appeared', 1003, other, now - 30 * 60_000, D),
      zombieEvent('zombie-reaped', 1001, leaky, now - 20 * 60_000),
      // Reaped in the window, but it appeared before: not counted.
      zombieEvent('zombie-reaped', 999, leaky, now - 10 * 60_000),
      zombieEvent(
        'zombie-appeared',
        2001,
        { pid: 700, startTime: 70, comm: 'bash' },
        now - 5 * 60_000,
        null,
      ),
    ];
    const processes = [
      testProcess({ pid: 500, startTime: 50, comm: 'python3', containerId: C }),
      testProcess({
        pid: 1002,
        startTime: 1002,
        ppid: 500,
        state: 'Z',
        zombieSince: now - 40 * 60_000,
        containerId: C,
      }),
      testProcess({
        pid: 1003,
        startTime: 1003,
        ppid: 600,
        state: 'Z',
        zombieSince: now - 30 * 60_000,
        containerId: D,
      }),
      testProcess({ pid: 600, startTime: 60, comm: 'python3', containerId: D }),
    ];
    const rows = rankLeaders({
      events,
      processes,
      container: (id) => containers.get(id),
      windowMs: H,
      now,
    });
    expect(rows).toEqual([
      {
        image: 'team/api:2',
        parentComm: 'python3',
        containerId: C,
        containerName: 'api-1',
        hasInit: false,
        created: 3,
        reaped: 1,
        alive: 2,
        oldestAgeMs: 40 * 60_000,
        ratePerHour: 3,
        parent: { pid: 500, startTime: 50, alive: true, seenAt: now - 40 * 60_000 },
      },
      {
        image: null,
        parentComm: 'bash',
        containerId: null,
        containerName: null,
        hasInit: null,
        created: 1,
        reaped: 0,
        alive: 0,
        oldestAgeMs: null,
        ratePerHour: 1,
        parent: { pid: 700, startTime: 70, alive: false, seenAt: now - 5 * 60_000 },
      },
    ]);
  });

  it('[H9] a zombie older than the window still counts as alive, blamed on its parent now', () => {
    const processes = [
      testProcess({ pid: 40, startTime: 4, comm: 'init-less' }),
      testProcess({ pid: 41, startTime: 41, ppid: 40, state: 'Z', zombieSince: now - 30 * H }),
    ];
    const [row] = rankLeaders({
      events: [],
      processes,
      container: () => undefined,
      windowMs: H,
      now,
    });
    expect(row).toMatchObject({
      parentComm: 'init-less',
      created: 0,
      alive: 1,
      oldestAgeMs: 30 * H,
      parent: { pid: 40, startTime: 4, alive: true },
    });
  });

  it('[H9] a parent that could not be seen is named by its PID', () => {
    const e = {
      ...zombieEvent('zombie-appeared', 9, leaky, now - 1),
      parentStartTime: undefined,
      parentComm: undefined,
    };
    const [row] = rankLeaders({
      events: [e],
      processes: [],
      container: () => undefined,
      windowMs: H,
      now,
    });
    expect(row?.parentComm).toBe('PID 500');
    expect(row?.image).toBeNull();
    expect(row?.containerId).toBe(C);
  });
});
