import { describe, expect, test } from 'vitest';
import {
  compareFleetContainers,
  compareFleetEvents,
  compareFleetZombies,
  compareHostsWorstFirst,
  type FleetEvent,
  type FleetHost,
  fleetHostChanged,
  type HostSummary,
  hostContainers,
  hostId,
  hostTaskLimit,
  hostZombies,
  isFleetMessage,
  isHostsResponse,
  ProtocolError,
  parseFleetMessage,
  summarizeHost,
} from '../src/index.js';
import { container, host, proc, state } from './fixtures.js';

const summary = (over: Partial<HostSummary> = {}): HostSummary => ({
  processes: 10,
  tasks: 20,
  zombies: 0,
  headroom: { free: 1000, percent: 50 },
  containers: 0,
  containersNearLimit: 0,
  worstContainer: null,
  ...over,
});

const fleetHost = (id: string, over: Partial<FleetHost> = {}): FleetHost => ({
  id,
  url: `https://${id}:7070`,
  hostname: id,
  kernel: '6.18.0',
  status: 'up',
  since: 1000,
  lastSeenAt: 5000,
  error: null,
  summary: summary(),
  ...over,
});

describe('[F1] host ids', () => {
  test.each([
    ['https://Node1:7070', 'node1-7070'],
    ['https://node1.example.org:7070/', 'node1.example.org-7070'],
    ['http://198.18.1.2:7071', '198.18.1.2-7071'],
    ['https://[fd00::2]:7070', 'fd00--2-7070'],
    ['https://node1', 'node1-443'],
    ['http://node1', 'node1-80'],
  ])('[F1] %s is %s', (url, id) => {
    expect(hostId(url)).toBe(id);
    expect(encodeURIComponent(id)).toBe(id);
  });
});

describe('[F4] summarizeHost', () => {
  test('[F4] host fields, headroom percent of the task limit, containers near their limit', () => {
    const s = state(3, [proc(1, 1), proc(2, 2, { state: 'Z' })], {
      host: { ...host, pidMax: 32768, threadsMax: 100_000, tasks: 16_000, zombies: 1 },
      containers: [
        container('a'.repeat(64), { pidsCurrent: 90, pidsMax: 100 }),
        container('b'.repeat(64), { pidsCurrent: 50, pidsMax: 100 }),
        container('c'.repeat(64), { pidsCurrent: 810, pidsMax: 1000 }),
        container('d'.repeat(64), { pidsCurrent: 5000, pidsMax: null }),
      ],
    });
    s.host.headroom = hostTaskLimit(s.host) - s.host.tasks;
    expect(hostTaskLimit(s.host)).toBe(32468);
    expect(summarizeHost(s)).toEqual({
      processes: 3,
      tasks: 16_000,
      zombies: 1,
      headroom: { free: 16_468, percent: 50.7 },
      containers: 4,
      containersNearLimit: 2,
      worstContainer: {
        id: 'a'.repeat(64),
        name: `c-aaaaaa`,
        pidsCurrent: 90,
        pidsMax: 100,
        headroom: 10,
        usedPercent: 90,
      },
    });
  });

  test('[F4] no limited container: no worst container; negative headroom reads 0%', () => {
    const s = state(1, [proc(1, 1)], {
      host: { ...host, headroom: -5 },
      containers: [container('a'.repeat(64), { pidsMax: null })],
    });
    const out = summarizeHost(s);
    expect(out.worstContainer).toBeNull();
    expect(out.containersNearLimit).toBe(0);
    expect(out.headroom).toEqual({ free: -5, percent: 0 });
  });

  test('[F4] exactly 80% is not near the limit; ties go to the higher share, then the id', () => {
    const s = state(1, [], {
      containers: [
        container('b'.repeat(64), { pidsCurrent: 80, pidsMax: 100 }),
        container('a'.repeat(64), { pidsCurrent: 20, pidsMax: 40 }),
        container('c'.repeat(64), { pidsCurrent: 0, pidsMax: 20 }),
      ],
    });
    const out = summarizeHost(s);
    expect(out.containersNearLimit).toBe(0);
    expect(out.worstContainer?.id).toBe('b'.repeat(64));
  });
});

describe('[F5] worst first', () => {
  test('[F5] down (longest first), connecting, then the least room, more zombies, id', () => {
    const hosts = [
      fleetHost('ok'),
      fleetHost('tight', { summary: summary({ headroom: { free: 10, percent: 5 } }) }),
      fleetHost('container', {
        summary: summary({
          worstContainer: {
            id: 'x',
            name: 'x',
            pidsCurrent: 97,
            pidsMax: 100,
            headroom: 3,
            usedPercent: 97,
          },
        }),
      }),
      fleetHost('zombies', { summary: summary({ zombies: 4 }) }),
      fleetHost('down-late', { status: 'down', since: 9000 }),
      fleetHost('down-early', { status: 'down', since: 2000 }),
      fleetHost('new', { status: 'connecting', summary: null }),
      fleetHost('aa-ok'),
    ];
    expect([...hosts].sort(compareHostsWorstFirst).map((h) => h.id)).toEqual([
      'down-early',
      'down-late',
      'new',
      'container',
      'tight',
      'zombies',
      'aa-ok',
      'ok',
    ]);
  });
});

describe('[F6] fleet zombies', () => {
  test('[F6] every zombie with its container, in-container PID, blamed parent and age', () => {
    const cid = 'e'.repeat(64);
    const s = state(
      1,
      [
        proc(1, 1, { comm: 'systemd' }),
        // PID 40 was reused: the parent is the latest process holding it.
        proc(40, 5, { comm: 'old' }),
        proc(40, 50, { comm: 'sh', cmdline: ['sh', '-c', 'x'], containerId: cid }),
        proc(41, 60, {
          state: 'Z',
          ppid: 40,
          comm: 'sleep',
          nsPids: [41, 7],
          containerId: cid,
          zombieSince: 1_000,
        }),
        proc(42, 61, { state: 'Z', ppid: 999, comm: 'lost', zombieSince: null }),
      ],
      { containers: [container(cid, { name: 'leaky' })] },
    );
    const out = hostZombies({ id: 'n1-7070', hostname: 'n1', state: s }, 5_000);
    expect(out).toEqual([
      {
        host: 'n1-7070',
        hostname: 'n1',
        pid: 41,
        startTime: 60,
        nsPid: 7,
        comm: 'sleep',
        containerId: cid,
        containerName: 'leaky',
        parent: { pid: 40, startTime: 50, comm: 'sh', cmdline: ['sh', '-c', 'x'] },
        zombieSince: 1_000,
        ageMs: 4_000,
      },
      {
        host: 'n1-7070',
        hostname: 'n1',
        pid: 42,
        startTime: 61,
        nsPid: null,
        comm: 'lost',
        containerId: null,
        containerName: null,
        parent: null,
        zombieSince: 5_000,
        ageMs: 0,
      },
    ]);
  });

  test('[F6] oldest first, then host, then PID', () => {
    const z = (host: string, pid: number, zombieSince: number) =>
      hostZombies(
        { id: host, hostname: host, state: state(1, [proc(pid, 1, { state: 'Z', zombieSince })]) },
        10_000,
      );
    const list = [z('b', 5, 100), z('a', 9, 100), z('a', 3, 100), z('c', 1, 50)].flat();
    expect(list.sort(compareFleetZombies).map((x) => x.host + x.pid)).toEqual([
      'c1',
      'a3',
      'a9',
      'b5',
    ]);
  });
});

describe('[F7] fleet containers', () => {
  test('[F7] limited ones by headroom, then share used; unlimited last; then host and id', () => {
    const s1 = state(1, [], {
      containers: [
        container('a'.repeat(64), { pidsCurrent: 10, pidsMax: null }),
        container('b'.repeat(64), { pidsCurrent: 90, pidsMax: 100 }),
        container('c'.repeat(64), { pidsCurrent: 9, pidsMax: 19 }),
      ],
    });
    const s2 = state(1, [], {
      containers: [
        container('d'.repeat(64), { pidsCurrent: 995, pidsMax: 1000 }),
        container('e'.repeat(64), { pidsCurrent: 3, pidsMax: null }),
      ],
    });
    const all = [
      ...hostContainers({ id: 'h2', hostname: null, state: s2 }),
      ...hostContainers({ id: 'h1', hostname: null, state: s1 }),
    ].sort(compareFleetContainers);
    expect(all.map((c) => [c.host, c.container.id[0], c.headroom, c.usedPercent])).toEqual([
      ['h2', 'd', 5, 99.5],
      ['h1', 'b', 10, 90],
      ['h1', 'c', 10, 47.4],
      ['h1', 'a', null, null],
      ['h2', 'e', null, null],
    ]);
  });
});

describe('[F8] fleet events', () => {
  test('[F8] time order, then host, then event id', () => {
    const ev = (host: string, id: number, at: number): FleetEvent => ({
      host,
      event: {
        id,
        type: 'exited',
        at,
        pid: 10,
        startTime: 1,
        containerId: null,
        message: 'x',
      },
    });
    const list = [ev('b', 1, 200), ev('a', 7, 200), ev('a', 2, 200), ev('c', 9, 100)];
    expect(list.sort(compareFleetEvents).map((e) => `${e.host}${e.event.id}`)).toEqual([
      'c9',
      'a2',
      'a7',
      'b1',
    ]);
  });
});

describe('[F9] the fleet stream', () => {
  test('[F9] lastSeenAt alone is not a change; status, error and summary are', () => {
    const a = fleetHost('n1');
    expect(fleetHostChanged(a, { ...a, lastSeenAt: 99_999 })).toBe(false);
    expect(fleetHostChanged(a, { ...a, status: 'down', error: 'gone' })).toBe(true);
    expect(fleetHostChanged(a, { ...a, summary: summary({ zombies: 1 }) })).toBe(true);
    expect(fleetHostChanged(a, { ...a, summary: null })).toBe(true);
  });

  test('[F9] parseFleetMessage accepts the four messages and names what is wrong', () => {
    const hosts = { type: 'hosts', at: 1, hosts: [fleetHost('n1')] };
    expect(parseFleetMessage(JSON.stringify(hosts))).toEqual(hosts);
    expect(isFleetMessage({ type: 'host', at: 1, host: fleetHost('n1') })).toBe(true);
    expect(isFleetMessage({ type: 'host-removed', at: 1, id: 'n1' })).toBe(true);
    expect(isFleetMessage({ type: 'heartbeat', at: 1 })).toBe(true);
    expect(() => parseFleetMessage('{')).toThrow(/fleet message is not valid JSON/);
    expect(() => parseFleetMessage('{"type":"snapshot"}')).toThrow(
      /unknown fleet message type "snapshot"; expected one of: hosts, host, host-removed, heartbeat/,
    );
    try {
      parseFleetMessage(
        JSON.stringify({ type: 'host', at: 1, host: { ...fleetHost('n1'), status: 'sleepy' } }),
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe('schema-violation');
      expect((err as Error).message).toMatch(/^invalid host message: \/host\/status/);
    }
  });

  test('[F9] a hosts answer is closed: an unknown field is refused', () => {
    const body = { now: 1, hosts: [fleetHost('n1')], discovery: [] };
    expect(isHostsResponse(body)).toBe(true);
    expect(isHostsResponse({ ...body, hosts: [{ ...fleetHost('n1'), extra: 1 }] })).toBe(false);
  });
});
