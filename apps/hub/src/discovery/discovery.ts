import type { DiscoverySource } from '@pidscope/protocol';
import type Docker from 'dockerode';
import { resolveDnsSource } from './dns.js';
import { type AgentSource, type AgentTarget, agentUrl, type Scheme, target } from './sources.js';
import { resolveSwarmSource } from './swarm.js';

export interface DiscoveryOptions {
  sources: readonly AgentSource[];
  intervalMs: number;
  dnsServers: readonly string[] | null;
  /** The Docker API of a swarm manager; made on the first swarm:// evaluation. */
  docker: () => Docker;
  /** The scheme of swarm:// entries that name none. */
  swarmScheme: Scheme;
  now?: () => number;
}

interface Outcome {
  targets: AgentTarget[];
  error: string | null;
  at: number | null;
}

/** A source that does not answer within this long fails this round; the others do not wait. */
const SOURCE_TIMEOUT_MS = 5_000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), SOURCE_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Finds agents: every PIDSCOPE_AGENTS entry is evaluated at start and every `intervalMs`, all at
 * once. An entry that fails keeps what it found last time, so a DNS or Docker hiccup does not
 * drop hosts. The result combines every entry in the order given, one target per id ([F2]).
 */
export class Discovery {
  private readonly outcomes = new Map<AgentSource, Outcome>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(private readonly opts: DiscoveryOptions) {
    for (const s of opts.sources) this.outcomes.set(s, { targets: [], error: null, at: null });
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async find(source: AgentSource): Promise<AgentTarget[]> {
    switch (source.kind) {
      case 'static':
        return [target(agentUrl(source.scheme, source.host, source.port), null, source.text)];
      case 'dns':
        return resolveDnsSource(source, this.opts.dnsServers);
      case 'swarm':
        return resolveSwarmSource(source, this.opts.docker(), this.opts.swarmScheme);
    }
  }

  /** Evaluates every entry once and answers the combined targets. */
  async evaluate(): Promise<AgentTarget[]> {
    await Promise.all(
      this.opts.sources.map(async (source) => {
        const outcome = this.outcomes.get(source) as Outcome;
        try {
          outcome.targets = await withTimeout(this.find(source), source.text);
          outcome.error = null;
        } catch (err) {
          outcome.error = (err as Error).message || String(err);
        }
        outcome.at = this.now();
      }),
    );
    return this.combined();
  }

  /** [F2] Every entry's last targets in PIDSCOPE_AGENTS order; the first of each id wins. */
  combined(): AgentTarget[] {
    const seen = new Map<string, AgentTarget>();
    for (const source of this.opts.sources) {
      for (const t of this.outcomes.get(source)?.targets ?? []) {
        if (!seen.has(t.id)) seen.set(t.id, t);
      }
    }
    return [...seen.values()];
  }

  /** Evaluates now and then every interval (a round never overlaps the last one). */
  start(onFound: (targets: AgentTarget[]) => void): void {
    if (!this.stopped) return;
    this.stopped = false;
    const round = async () => {
      const targets = await this.evaluate();
      if (this.stopped) return;
      onFound(targets);
      this.timer = setTimeout(round, this.opts.intervalMs);
    };
    void round();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  status(): DiscoverySource[] {
    return this.opts.sources.map((source) => {
      const o = this.outcomes.get(source) as Outcome;
      return {
        source: source.text,
        kind: source.kind,
        agents: o.targets.length,
        error: o.error,
        at: o.at,
      };
    });
  }
}
