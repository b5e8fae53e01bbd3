import Type, { type Static } from 'typebox';
import { jsonEqual } from './fields.js';
import { inContainerPid } from './nsPids.js';
import { Container, Event, type Host, type Process, type State } from './schemas.js';
import { compareContainers, compareProcesses } from './state.js';

/** [F3] How the hub sees one agent. */
export const HostStatus = Type.Union([
  Type.Literal('connecting'),
  Type.Literal('up'),
  Type.Literal('down'),
]);
export type HostStatus = Static<typeof HostStatus>;

/** [F3] A host that has not answered for this long is `down` (the hub pings every second). */
export const DOWN_AFTER_MS = 3_000;

/** [F9] The fleet stream sends each host at most once per this many ms. */
export const FLEET_UPDATE_MS = 1_000;

/** [F4] A container over this share of its pids.max is near its limit. */
export const NEAR_LIMIT_RATIO = 0.8;

/** A container measured against its pids limit. */
export const ContainerUsage = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    pidsCurrent: Type.Integer({ minimum: 0 }),
    pidsMax: Type.Integer({ minimum: 0 }),
    /** pidsMax − pidsCurrent: tasks it can still start (negative when over). */
    headroom: Type.Integer(),
    /** pidsCurrent / pidsMax × 100. */
    usedPercent: Type.Number(),
  },
  { additionalProperties: false },
);
export type ContainerUsage = Static<typeof ContainerUsage>;

export const HostSummary = Type.Object(
  {
    processes: Type.Integer({ minimum: 0 }),
    tasks: Type.Integer({ minimum: 0 }),
    zombies: Type.Integer({ minimum: 0 }),
    headroom: Type.Object(
      {
        /** Tasks the host can still start: the protocol's `Host.headroom`. */
        free: Type.Integer(),
        /** free / the host's task limit × 100, one decimal. */
        percent: Type.Number(),
      },
      { additionalProperties: false },
    ),
    containers: Type.Integer({ minimum: 0 }),
    /** Containers using more than NEAR_LIMIT_RATIO of their pids.max. */
    containersNearLimit: Type.Integer({ minimum: 0 }),
    /** The limited container closest to its limit; null when no container has a limit. */
    worstContainer: Type.Union([ContainerUsage, Type.Null()]),
  },
  { additionalProperties: false },
);
export type HostSummary = Static<typeof HostSummary>;

export const FleetHost = Type.Object(
  {
    /** [F1] Stable, URL-safe: the agent's host and port. */
    id: Type.String(),
    url: Type.String(),
    /** From the agent's hello; null until it first answered. */
    hostname: Type.Union([Type.String(), Type.Null()]),
    kernel: Type.Union([Type.String(), Type.Null()]),
    status: HostStatus,
    /** ms since epoch when `status` last changed. */
    since: Type.Number(),
    /** ms since epoch when the agent was last heard (a message or a pong); null if never. */
    lastSeenAt: Type.Union([Type.Number(), Type.Null()]),
    /** Why the host is down (or why the last attempt failed); null when up. */
    error: Type.Union([Type.String(), Type.Null()]),
    /** From the last state the agent sent; kept while down, null before the first snapshot. */
    summary: Type.Union([HostSummary, Type.Null()]),
  },
  { additionalProperties: false },
);
export type FleetHost = Static<typeof FleetHost>;

/** One entry of PIDSCOPE_AGENTS and what it found at its last evaluation. */
export const DiscoverySource = Type.Object(
  {
    source: Type.String(),
    kind: Type.Union([Type.Literal('static'), Type.Literal('dns'), Type.Literal('swarm')]),
    agents: Type.Integer({ minimum: 0 }),
    /** Why the last evaluation failed (its previous agents are kept); null when it worked. */
    error: Type.Union([Type.String(), Type.Null()]),
    at: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type DiscoverySource = Static<typeof DiscoverySource>;

export const HostsResponse = Type.Object(
  {
    now: Type.Number(),
    hosts: Type.Array(FleetHost),
    discovery: Type.Array(DiscoverySource),
  },
  { additionalProperties: false },
);
export type HostsResponse = Static<typeof HostsResponse>;

export const FleetZombie = Type.Object(
  {
    host: Type.String(),
    hostname: Type.Union([Type.String(), Type.Null()]),
    pid: Type.Integer({ minimum: 0 }),
    startTime: Type.Integer({ minimum: 0 }),
    /** In-container PID, when the zombie is in a nested PID namespace. */
    nsPid: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    comm: Type.String(),
    containerId: Type.Union([Type.String(), Type.Null()]),
    containerName: Type.Union([Type.String(), Type.Null()]),
    /** The parent that fails to reap it; null when the parent is not visible. */
    parent: Type.Union([
      Type.Object(
        {
          pid: Type.Integer({ minimum: 0 }),
          startTime: Type.Integer({ minimum: 0 }),
          comm: Type.String(),
          cmdline: Type.Array(Type.String()),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    zombieSince: Type.Number(),
    ageMs: Type.Number(),
  },
  { additionalProperties: false },
);
export type FleetZombie = Static<typeof FleetZombie>;

/** Hosts whose data a fleet answer lacks because they are not up. */
const Unavailable = Type.Array(Type.String());

export const FleetZombiesResponse = Type.Object(
  { now: Type.Number(), zombies: Type.Array(FleetZombie), unavailable: Unavailable },
  { additionalProperties: false },
);
export type FleetZombiesResponse = Static<typeof FleetZombiesResponse>;

export const FleetContainer = Type.Object(
  {
    host: Type.String(),
    hostname: Type.Union([Type.String(), Type.Null()]),
    container: Container,
    /** pids.max − pids.current; null when the container has no limit. */
    headroom: Type.Union([Type.Integer(), Type.Null()]),
    usedPercent: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type FleetContainer = Static<typeof FleetContainer>;

export const FleetContainersQuery = Type.Object(
  { sort: Type.Optional(Type.Literal('headroom')) },
  { additionalProperties: false },
);

export const FleetContainersResponse = Type.Object(
  { now: Type.Number(), containers: Type.Array(FleetContainer), unavailable: Unavailable },
  { additionalProperties: false },
);
export type FleetContainersResponse = Static<typeof FleetContainersResponse>;

export const FleetEvent = Type.Object(
  { host: Type.String(), event: Event },
  { additionalProperties: false },
);
export type FleetEvent = Static<typeof FleetEvent>;

export const FleetEventsQuery = Type.Object(
  {
    since: Type.Optional(
      Type.Integer({ minimum: 0, description: 'ms since epoch; events at or after it' }),
    ),
  },
  { additionalProperties: false },
);

export const FleetEventsResponse = Type.Object(
  { now: Type.Number(), events: Type.Array(FleetEvent), unavailable: Unavailable },
  { additionalProperties: false },
);
export type FleetEventsResponse = Static<typeof FleetEventsResponse>;

/** [F9] Messages of `GET /api/v1/fleet/stream`. */
export const FleetHosts = Type.Object(
  { type: Type.Literal('hosts'), at: Type.Number(), hosts: Type.Array(FleetHost) },
  { additionalProperties: false },
);
export const FleetHostUpdate = Type.Object(
  { type: Type.Literal('host'), at: Type.Number(), host: FleetHost },
  { additionalProperties: false },
);
export const FleetHostRemoved = Type.Object(
  { type: Type.Literal('host-removed'), at: Type.Number(), id: Type.String() },
  { additionalProperties: false },
);
export const FleetHeartbeat = Type.Object(
  { type: Type.Literal('heartbeat'), at: Type.Number() },
  { additionalProperties: false },
);
export const FleetMessage = Type.Union([
  FleetHosts,
  FleetHostUpdate,
  FleetHostRemoved,
  FleetHeartbeat,
]);
export type FleetMessage = Static<typeof FleetMessage>;

/**
 * [F1] The id of the agent at `url`: its host name or address in lower case and its port, with
 * every character but letters, digits, dots and hyphens turned into a hyphen
 * (`https://Node1:7070` → `node1-7070`, `https://[fd00::2]:7070` → `fd00--2-7070`).
 */
export function hostId(url: string): string {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${host.replace(/[^a-z0-9.-]/g, '-')}-${port}`;
}

/** PIDs below 300 are reserved after the counter wraps, so a host can run this many tasks. */
export function hostTaskLimit(host: Host): number {
  return Math.min(Math.max(host.pidMax - 300, 0), host.threadsMax);
}

const oneDecimal = (x: number) => Math.round(x * 10) / 10;

/** A container against its effective pids.max; null when it has none. */
export function containerUsage(c: Container): ContainerUsage | null {
  if (c.pidsMax === null || c.pidsMax <= 0) return null;
  const current = c.pidsCurrent ?? 0;
  return {
    id: c.id,
    name: c.name,
    pidsCurrent: current,
    pidsMax: c.pidsMax,
    headroom: c.pidsMax - current,
    usedPercent: oneDecimal((100 * current) / c.pidsMax),
  };
}

/** [F7] Closest to its limit first: less headroom, then the higher share used, then by id. */
function compareUsage(a: ContainerUsage, b: ContainerUsage): number {
  return a.headroom - b.headroom || b.usedPercent - a.usedPercent || compareContainers(a, b);
}

/** [F4] What the overview shows of a host, computed from its state alone. */
export function summarizeHost(state: State): HostSummary {
  const { host } = state;
  const limit = hostTaskLimit(host);
  let worst: ContainerUsage | null = null;
  let near = 0;
  for (const c of state.containers) {
    const u = containerUsage(c);
    if (!u) continue;
    if (u.pidsCurrent > NEAR_LIMIT_RATIO * u.pidsMax) near++;
    if (!worst || compareUsage(u, worst) < 0) worst = u;
  }
  return {
    processes: host.processes,
    tasks: host.tasks,
    zombies: host.zombies,
    headroom: {
      free: host.headroom,
      percent: limit > 0 ? oneDecimal((100 * Math.max(host.headroom, 0)) / limit) : 0,
    },
    containers: state.containers.length,
    containersNearLimit: near,
    worstContainer: worst,
  };
}

/** The share of a host's room left where it is tightest: the host itself or its worst container. */
function tightestFreePercent(s: HostSummary): number {
  const w = s.worstContainer;
  const container = w ? Math.max(0, 100 - w.usedPercent) : 100;
  return Math.min(s.headroom.percent, container);
}

const STATUS_RANK: Record<HostStatus, number> = { down: 0, connecting: 1, up: 2 };

/**
 * [F5] Worst first: down hosts (down longest first), then hosts still connecting, then hosts up
 * by the least room left (host or worst container, in percent), then by more zombies, then by id.
 */
export function compareHostsWorstFirst(a: FleetHost, b: FleetHost): number {
  const rank = STATUS_RANK[a.status] - STATUS_RANK[b.status];
  if (rank !== 0) return rank;
  if (a.status === 'down' && a.since !== b.since) return a.since - b.since;
  if (a.summary && b.summary) {
    const room = tightestFreePercent(a.summary) - tightestFreePercent(b.summary);
    if (room !== 0) return room;
    const zombies = b.summary.zombies - a.summary.zombies;
    if (zombies !== 0) return zombies;
  } else if (a.summary || b.summary) {
    return a.summary ? -1 : 1;
  }
  return compareContainers(a, b);
}

/** The process holding `pid` now (the latest start when the PID was reused), by binary search. */
function processByPid(processes: readonly Process[], pid: number): Process | undefined {
  let lo = 0;
  let hi = processes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = processes[mid] as Process;
    if (compareProcesses(p, { pid: pid + 1, startTime: -1 }) < 0) lo = mid + 1;
    else hi = mid;
  }
  const p = processes[lo - 1];
  return p && p.pid === pid ? p : undefined;
}

/** The host a fleet answer entry comes from. */
export interface FleetSource {
  id: string;
  hostname: string | null;
  state: State;
}

/**
 * [F6] Every zombie of a host's state, with its container and its blamed parent (the process
 * holding its ppid, which fails to reap it), aged at `now`.
 */
export function hostZombies(source: FleetSource, now: number): FleetZombie[] {
  const { state } = source;
  const names = new Map(state.containers.map((c) => [c.id, c.name]));
  const out: FleetZombie[] = [];
  for (const z of state.processes) {
    if (z.state !== 'Z') continue;
    const parent = z.ppid > 0 ? processByPid(state.processes, z.ppid) : undefined;
    const zombieSince = z.zombieSince ?? now;
    out.push({
      host: source.id,
      hostname: source.hostname,
      pid: z.pid,
      startTime: z.startTime,
      nsPid: inContainerPid(z),
      comm: z.comm,
      containerId: z.containerId,
      containerName: z.containerId ? (names.get(z.containerId) ?? null) : null,
      parent: parent
        ? {
            pid: parent.pid,
            startTime: parent.startTime,
            comm: parent.comm,
            cmdline: parent.cmdline,
          }
        : null,
      zombieSince,
      ageMs: Math.max(0, now - zombieSince),
    });
  }
  return out;
}

/** [F6] Oldest first, then by host and PID. */
export function compareFleetZombies(a: FleetZombie, b: FleetZombie): number {
  return (
    a.zombieSince - b.zombieSince ||
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0) ||
    compareProcesses(a, b)
  );
}

/** [F7] Every container of a host with its headroom against its pids limit. */
export function hostContainers(source: FleetSource): FleetContainer[] {
  return source.state.containers.map((container) => {
    const u = containerUsage(container);
    return {
      host: source.id,
      hostname: source.hostname,
      container,
      headroom: u ? u.headroom : null,
      usedPercent: u ? u.usedPercent : null,
    };
  });
}

/**
 * [F7] Containers with a limit first, least headroom first (then the higher share used); then
 * containers without one; ties by host, then container id.
 */
export function compareFleetContainers(a: FleetContainer, b: FleetContainer): number {
  if ((a.headroom === null) !== (b.headroom === null)) return a.headroom === null ? 1 : -1;
  if (a.headroom !== null && b.headroom !== null) {
    const d = a.headroom - b.headroom || (b.usedPercent ?? 0) - (a.usedPercent ?? 0);
    if (d !== 0) return d;
  }
  return (
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0) || compareContainers(a.container, b.container)
  );
}

/** [F8] Time order; events of the same millisecond by host, then by the agent's event id. */
export function compareFleetEvents(a: FleetEvent, b: FleetEvent): number {
  return (
    a.event.at - b.event.at ||
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0) ||
    a.event.id - b.event.id
  );
}

/**
 * [F9] Whether a host changed in a way the fleet stream reports: anything but `lastSeenAt`,
 * which moves with every message and would make every host news every second.
 */
export function fleetHostChanged(a: FleetHost, b: FleetHost): boolean {
  return (
    a.status !== b.status ||
    a.since !== b.since ||
    a.error !== b.error ||
    a.hostname !== b.hostname ||
    a.kernel !== b.kernel ||
    a.url !== b.url ||
    !jsonEqual(a.summary, b.summary)
  );
}
