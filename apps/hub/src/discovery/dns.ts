import { Resolver } from 'node:dns/promises';
import { type AgentSource, type AgentTarget, agentUrl, target } from './sources.js';

/** Answers that mean "no such records", not "could not ask". */
const NONE = new Set(['ENODATA', 'ENOTFOUND']);

async function records(lookup: () => Promise<string[]>): Promise<string[]> {
  try {
    return await lookup();
  } catch (err) {
    if (NONE.has((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw err;
  }
}

/**
 * Every A and AAAA record of a dns+ entry's name is an agent, as Prometheus' dns_sd_configs finds
 * targets: Swarm's `tasks.<service>` and a Kubernetes headless Service both answer one per node.
 * A name with no records finds no agents; a server that does not answer is an error (and the
 * caller keeps what the entry found before).
 */
export async function resolveDnsSource(
  source: Extract<AgentSource, { kind: 'dns' }>,
  servers: readonly string[] | null,
): Promise<AgentTarget[]> {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (servers) resolver.setServers([...servers]);
  const [v4, v6] = await Promise.all([
    records(() => resolver.resolve4(source.name)),
    records(() => resolver.resolve6(source.name)),
  ]);
  return [...v4.sort(), ...v6.sort()].map((address) =>
    target(agentUrl(source.scheme, address, source.port), source.name, source.text),
  );
}
