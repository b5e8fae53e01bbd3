import { EVENT_TYPES, type Event } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import {
  EventTally,
  MAX_PARENT_COMMS,
  OTHER_PARENT,
  UNKNOWN_PARENT,
} from '../../src/metrics/tally.js';
import { CID } from '../helpers/fixtures.js';

let nextId = 1;
function event(e: Partial<Event> & Pick<Event, 'type'>): Event {
  return { id: nextId++, at: 0, pid: 100, startTime: 1, containerId: null, message: '', ...e };
}

describe('EventTally', () => {
  it('starts every event type at zero', () => {
    const tally = new EventTally();
    expect([...tally.eventsByType().keys()].sort()).toEqual([...EVENT_TYPES].sort());
    expect(EVENT_TYPES).toContain('pids-limit-hit');
    expect([...tally.eventsByType().values()].every((n) => n === 0)).toBe(true);
  });

  it('counts events by type and zombies by container and parent command', () => {
    const tally = new EventTally();
    tally.observe([
      event({ type: 'zombie-appeared', containerId: CID, parentPid: 9, parentComm: 'sleep' }),
      event({ type: 'zombie-appeared', containerId: CID, parentPid: 9, parentComm: 'sleep' }),
      event({ type: 'zombie-appeared', containerId: null, parentPid: 10 }),
      event({ type: 'exited' }),
    ]);
    expect(tally.eventsByType().get('zombie-appeared')).toBe(3);
    expect(tally.eventsByType().get('exited')).toBe(1);
    expect(tally.zombiesCreated()).toEqual([
      { containerId: CID, parentComm: 'sleep', count: 2 },
      { containerId: '', parentComm: UNKNOWN_PARENT, count: 1 },
    ]);
  });

  it(`keeps ${MAX_PARENT_COMMS} parent commands for good and counts later ones as "${OTHER_PARENT}"`, () => {
    const tally = new EventTally();
    const comms = Array.from({ length: MAX_PARENT_COMMS + 5 }, (_, i) => `parent${i}`);
    for (const comm of comms) {
      tally.observe([event({ type: 'zombie-appeared', containerId: CID, parentComm: comm })]);
    }
    // A command seen before the cap keeps its own series.
    tally.observe([event({ type: 'zombie-appeared', containerId: CID, parentComm: 'parent0' })]);
    const byComm = new Map(tally.zombiesCreated().map((z) => [z.parentComm, z.count]));
    expect(byComm.size).toBe(MAX_PARENT_COMMS + 1);
    expect(byComm.get('parent0')).toBe(2);
    expect(byComm.get(OTHER_PARENT)).toBe(5);
  });

  it("forgets a stopped container's zombies, not the host's", () => {
    const tally = new EventTally();
    tally.observe([
      event({ type: 'zombie-appeared', containerId: CID, parentComm: 'sh' }),
      event({ type: 'zombie-appeared', containerId: null, parentComm: 'sh' }),
    ]);
    tally.observe([event({ type: 'container-stopped', containerId: CID, pid: 0 })]);
    expect(tally.zombiesCreated()).toEqual([{ containerId: '', parentComm: 'sh', count: 1 }]);
    expect(tally.eventsByType().get('container-stopped')).toBe(1);
  });
});
