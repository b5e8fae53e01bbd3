import { isIP } from 'node:net';
import type Docker from 'dockerode';
import {
  type AgentSource,
  type AgentTarget,
  agentUrl,
  DEFAULT_AGENT_PORT,
  type Scheme,
  target,
} from './sources.js';

/** A service label naming the port its agents listen on, when the entry does not. */
export const AGENT_PORT_LABEL = 'io.pidscope.agent-port';

/** The fields of GET /nodes this reads (dockerode does not type them). */
interface SwarmNode {
  ID: string;
  Status?: { Addr?: string };
  ManagerStatus?: { Addr?: string };
}

/** A node's address: Status.Addr, or its manager address where Status.Addr reads 0.0.0.0. */
function nodeAddress(node: SwarmNode): string | null {
  const addr = node.Status?.Addr;
  if (addr && addr !== '0.0.0.0') return addr;
  const manager = node.ManagerStatus?.Addr;
  if (!manager) return null;
  const host = manager.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return isIP(host) ? host : null;
}

function servicePort(service: Docker.Service): number | null {
  const published = service.Endpoint?.Ports?.find((p) => p.PublishedPort)?.PublishedPort;
  if (published) return published;
  const label = service.Spec?.Labels?.[AGENT_PORT_LABEL];
  const n = label ? Number(label) : Number.NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : null;
}

/**
 * The agents of a swarm:// entry: one per node running a task of the service, at that node's
 * address. Asks the manager's Docker API (the hub runs on a manager with its socket). A service
 * that does not exist (yet) has no agents.
 */
export async function resolveSwarmSource(
  source: Extract<AgentSource, { kind: 'swarm' }>,
  docker: Docker,
  defaultScheme: Scheme,
): Promise<AgentTarget[]> {
  const services = await docker.listServices({ filters: { name: [source.service] } });
  // The name filter matches prefixes too.
  const service = services.find((s) => s.Spec?.Name === source.service);
  if (!service) return [];
  const [tasks, nodes] = await Promise.all([
    docker.listTasks({
      filters: { service: [source.service], 'desired-state': ['running'] },
    }) as Promise<{ NodeID?: string; Status?: { State?: string } }[]>,
    docker.listNodes() as Promise<SwarmNode[]>,
  ]);
  const byId = new Map(nodes.map((n) => [n.ID, n]));
  const port = source.port ?? servicePort(service) ?? DEFAULT_AGENT_PORT;
  const scheme = source.scheme ?? defaultScheme;
  const addresses = new Set<string>();
  for (const task of tasks) {
    if (task.Status?.State !== 'running' || !task.NodeID) continue;
    const node = byId.get(task.NodeID);
    const address = node ? nodeAddress(node) : null;
    if (address) addresses.add(address);
  }
  return [...addresses]
    .sort()
    .map((address) => target(agentUrl(scheme, address, port), null, source.text));
}
