import { compareHostsWorstFirst, type FleetHost, type FleetMessage } from '@pidscope/protocol';

/** What the overview knows from the fleet stream: every host by id. */
export type FleetHosts = ReadonlyMap<string, FleetHost>;

export const NO_HOSTS: FleetHosts = new Map();

/** [F9] The next hosts after one fleet stream message (a heartbeat changes nothing). */
export function applyFleetMessage(hosts: FleetHosts, msg: FleetMessage): FleetHosts {
  switch (msg.type) {
    case 'hosts':
      return new Map(msg.hosts.map((h) => [h.id, h]));
    case 'host': {
      const next = new Map(hosts);
      next.set(msg.host.id, msg.host);
      return next;
    }
    case 'host-removed': {
      if (!hosts.has(msg.id)) return hosts;
      const next = new Map(hosts);
      next.delete(msg.id);
      return next;
    }
    case 'heartbeat':
      return hosts;
  }
}

/** [F5] The overview's order: down hosts first, then the ones with the least room left. */
export function worstFirst(hosts: FleetHosts): FleetHost[] {
  return [...hosts.values()].sort(compareHostsWorstFirst);
}

/** What the fleet-wide lists depend on: a change here is worth asking the hub again. */
export function listsSignature(hosts: FleetHosts): string {
  let out = '';
  for (const h of hosts.values()) {
    out += `${h.id}:${h.status}:${h.summary?.zombies ?? '-'}:${h.summary?.containers ?? '-'}:${
      h.summary?.worstContainer?.pidsCurrent ?? '-'
    };`;
  }
  return out;
}
