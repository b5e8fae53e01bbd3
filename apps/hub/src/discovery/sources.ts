import { isIP } from 'node:net';
import { hostId } from '@pidscope/protocol';

/** The agent's own default port: entries without one use it. */
export const DEFAULT_AGENT_PORT = 7070;

export type Scheme = 'http' | 'https';

/** One entry of PIDSCOPE_AGENTS. */
export type AgentSource =
  /** `https://node1:7070`: one agent. */
  | { kind: 'static'; text: string; scheme: Scheme; host: string; port: number }
  /** `dns+https://tasks.pidscope-agent:7070`: every A/AAAA record of the name is an agent. */
  | { kind: 'dns'; text: string; scheme: Scheme; name: string; port: number }
  /**
   * `swarm://pidscope_agent`: the nodes running a task of that service, asked of the manager's
   * Docker API. Without `+http`/`+https`, https when an agent CA is set; without a port, the
   * service's `io.pidscope.agent-port` label, else 7070.
   */
  | { kind: 'swarm'; text: string; scheme: Scheme | null; service: string; port: number | null };

/** An agent that discovery found. */
export interface AgentTarget {
  /** [F1] hostId(url). */
  id: string;
  /** Where the hub connects: scheme, address and port. */
  url: string;
  /**
   * The name TLS verifies the agent's certificate against and the Host header carries, when it is
   * not the URL's host: a DNS entry's name, found at the addresses its records gave.
   */
  name: string | null;
  /** The PIDSCOPE_AGENTS entry that found it. */
  source: string;
}

const ENTRY =
  /^(https?|dns\+https?|swarm(?:\+https?)?):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?\/?$/;

function port(entry: string, raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (n < 1 || n > 65535) throw new Error(`${JSON.stringify(entry)}: ${raw} is not a port`);
  return n;
}

/**
 * Reads PIDSCOPE_AGENTS: a comma-separated list of `http(s)://host[:port]`,
 * `dns+http(s)://name[:port]` and `swarm[+http(s)]://service[:port]`. Throws naming the first
 * entry it cannot read.
 */
export function parseAgentSources(text: string): AgentSource[] {
  const out: AgentSource[] = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (entry === '') continue;
    const m = ENTRY.exec(entry);
    if (!m) {
      throw new Error(
        `${JSON.stringify(entry)} is not http(s)://host:port, dns+http(s)://name:port or swarm://service`,
      );
    }
    const [, kind = '', rawHost = '', rawPort] = m;
    const host = rawHost.replace(/^\[|\]$/g, '');
    if (rawHost.startsWith('[') && isIP(host) !== 6) {
      throw new Error(`${JSON.stringify(entry)}: ${rawHost} is not an IPv6 address`);
    }
    const p = port(entry, rawPort);
    if (kind === 'http' || kind === 'https') {
      out.push({ kind: 'static', text: entry, scheme: kind, host, port: p ?? DEFAULT_AGENT_PORT });
    } else if (kind.startsWith('dns+')) {
      out.push({
        kind: 'dns',
        text: entry,
        scheme: kind.slice(4) as Scheme,
        name: host,
        port: p ?? DEFAULT_AGENT_PORT,
      });
    } else {
      out.push({
        kind: 'swarm',
        text: entry,
        scheme: kind === 'swarm' ? null : (kind.slice(6) as Scheme),
        service: host,
        port: p,
      });
    }
  }
  return out;
}

/** The URL of an agent at `address` (a name, an IPv4 or an IPv6 address). */
export function agentUrl(scheme: Scheme, address: string, port: number): string {
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return `${scheme}://${host}:${port}`;
}

export function target(url: string, name: string | null, source: string): AgentTarget {
  return { id: hostId(url), url, name, source };
}
