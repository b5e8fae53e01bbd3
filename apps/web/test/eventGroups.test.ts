import { describe, expect, it } from 'vitest';
import { groupKey, timelineLines } from '../src/model/eventGroups.js';
import { event } from './fixtures/hosts.js';

const C = 'c'.repeat(64);
// Newest first, as the timeline lists them.
const events = [
  event({ id: 6, type: 'pids-limit-hit', pid: 0, containerId: C }),
  event({ id: 5, type: 'exited', pid: 41, comm: 'sleep', containerId: C }),
  event({ id: 4, type: 'pids-limit-hit', pid: 0, containerId: C }),
  event({ id: 3, type: 'zombie-appeared', pid: 40, comm: 'sleep', containerId: C }),
  event({ id: 2, type: 'pids-limit-hit', pid: 0, containerId: C }),
  event({ id: 1, type: 'exited', pid: 42, comm: 'sh', containerId: C }),
];

describe('timeline lines', () => {
  it('folds repeated events into one line where the newest is, with its events in order', () => {
    const lines = timelineLines(events, new Set());
    expect(
      lines.map((l) => (l.kind === 'group' ? `${l.key}×${l.events.length}` : l.event.id)),
    ).toEqual([`pids-limit-hit|${C}×3`, 5, 3, 1]);
    const group = lines[0];
    expect(group?.kind === 'group' && group.events.map((e) => e.id)).toEqual([6, 4, 2]);
  });

  it('lists an open group’s events below it', () => {
    const lines = timelineLines(events, new Set([`pids-limit-hit|${C}`]));
    expect(lines.slice(0, 4).map((l) => (l.kind === 'group' ? 'group' : l.event.id))).toEqual([
      'group',
      6,
      4,
      2,
    ]);
    expect(lines[1]?.kind === 'event' && lines[1].member).toBe(true);
  });

  it('groups process events by type, container and command; container events by container', () => {
    expect(groupKey(events[1] as (typeof events)[number])).toBe(`exited|${C}|sleep`);
    expect(groupKey(events[5] as (typeof events)[number])).toBe(`exited|${C}|sh`);
    expect(groupKey(event({ id: 9, type: 'exited', pid: 9, comm: 'sleep' }))).toBe(
      'exited|host|sleep',
    );
  });
});
