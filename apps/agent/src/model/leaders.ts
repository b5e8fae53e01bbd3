// Who leaks zombies ([H9]): zombie events of a window and the zombies there now, grouped by
// container image and parent command. Pure: the caller brings the events, the live processes and
// a way to name a container (live, or as it was when it is gone).
import {
  type Container,
  type Event,
  type Process,
  processKey,
  type ZombieLeader,
} from '@pidscope/protocol';

export interface LeaderInputs {
  /** zombie-appeared and zombie-reaped events of the window, oldest first. */
  events: readonly Event[];
  /** Every live process (the zombies there now and their parents among them). */
  processes: readonly Process[];
  /** The container with this id: live, or as last recorded; undefined when unknown. */
  container: (id: string) => Container | undefined;
  windowMs: number;
  now: number;
}

interface Group {
  row: ZombieLeader;
  /** Zombies per parent identity, to pick the worst. */
  byParent: Map<string, { pid: number; startTime: number; count: number; seenAt: number }>;
}

export function rankLeaders(inputs: LeaderInputs): ZombieLeader[] {
  const { events, processes, container, windowMs, now } = inputs;
  const byKey = new Map(processes.map((p) => [processKey(p), p]));
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const groups = new Map<string, Group>();

  const group = (containerId: string | null, parentComm: string): Group => {
    const c = containerId ? container(containerId) : undefined;
    const image = c?.image || null;
    const key = JSON.stringify([image ?? containerId, parentComm]);
    let g = groups.get(key);
    if (!g) {
      g = {
        row: {
          image,
          parentComm,
          containerId,
          containerName: c?.name ?? null,
          hasInit: containerId ? (c?.hasInit ?? null) : null,
          created: 0,
          reaped: 0,
          alive: 0,
          oldestAgeMs: null,
          ratePerHour: 0,
          parent: { pid: 0, startTime: 0, alive: false, seenAt: 0 },
        },
        byParent: new Map(),
      };
      groups.set(key, g);
    }
    return g;
  };

  // Reaped zombies count in the group that created them, when that is in the window.
  const created = new Set<string>();
  for (const e of events) {
    if (e.type !== 'zombie-appeared') continue;
    const comm = e.parentComm ?? `PID ${e.parentPid ?? '?'}`;
    const g = group(e.containerId, comm);
    g.row.created++;
    created.add(processKey(e));
    const pid = e.parentPid ?? 0;
    const startTime = e.parentStartTime ?? 0;
    const pk = `${pid}:${startTime}`;
    const p = g.byParent.get(pk) ?? { pid, startTime, count: 0, seenAt: 0 };
    p.count++;
    p.seenAt = Math.max(p.seenAt, e.at);
    g.byParent.set(pk, p);
  }
  for (const e of events) {
    if (e.type !== 'zombie-reaped' || !created.has(processKey(e))) continue;
    group(e.containerId, e.parentComm ?? `PID ${e.parentPid ?? '?'}`).row.reaped++;
  }
  for (const z of processes) {
    if (z.state !== 'Z') continue;
    const parent = byPid.get(z.ppid);
    const g = group(z.containerId, parent?.comm ?? `PID ${z.ppid}`);
    g.row.alive++;
    const age = now - (z.zombieSince ?? now);
    g.row.oldestAgeMs = Math.max(g.row.oldestAgeMs ?? 0, age);
    if (parent && g.byParent.size === 0) {
      g.byParent.set(processKey(parent), {
        pid: parent.pid,
        startTime: parent.startTime,
        count: 0,
        seenAt: z.zombieSince ?? now,
      });
    }
  }

  const hours = windowMs / 3_600_000;
  const rows: ZombieLeader[] = [];
  for (const g of groups.values()) {
    let worst: { pid: number; startTime: number; count: number; seenAt: number } | undefined;
    for (const p of g.byParent.values()) {
      if (!worst || p.count > worst.count || (p.count === worst.count && p.seenAt > worst.seenAt))
        worst = p;
    }
    if (worst) {
      g.row.parent = {
        pid: worst.pid,
        startTime: worst.startTime,
        alive: byKey.has(`${worst.pid}:${worst.startTime}`),
        seenAt: worst.seenAt,
      };
    }
    g.row.ratePerHour = Math.round((g.row.created / hours) * 10) / 10;
    rows.push(g.row);
  }
  return rows.sort((a, b) => b.created - a.created || b.alive - a.alive);
}
