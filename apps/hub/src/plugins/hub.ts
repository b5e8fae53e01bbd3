import { type AuditLog, createAuditLog, createDockerClient } from '@pidscope/agent';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { HubConfig } from '../config.js';
import { Discovery } from '../discovery/discovery.js';
import { Fleet } from '../fleet/fleet.js';
import { FleetStream } from '../fleet/fleetStream.js';
import type { UpstreamOptions } from '../fleet/upstream.js';

export interface HubOptions {
  config: HubConfig;
  /** Timings for tests: ping, down-after, backoff, the browsers' streams. */
  upstream?: Partial<UpstreamOptions>;
}

/** The hub's services: discovery feeding the fleet of upstreams, the fleet stream, the audit log. */
export interface Hub {
  config: HubConfig;
  discovery: Discovery;
  fleet: Fleet;
  fleetStream: FleetStream;
  audit: AuditLog;
  /** Resolves after the first discovery round was taken. */
  ready: Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub;
  }
}

export default fp(
  async function hubPlugin(fastify: FastifyInstance, opts: HubOptions) {
    const { config } = opts;
    let docker: ReturnType<typeof createDockerClient> | null = null;
    const discovery = new Discovery({
      sources: config.agents,
      intervalMs: config.discoveryIntervalMs,
      dnsServers: config.dnsServers,
      docker: () => {
        docker ??= createDockerClient(config.docker);
        return docker;
      },
      swarmScheme: config.agentCa ? 'https' : 'http',
    });
    let fleetStream: FleetStream | null = null;
    const fleet = new Fleet({
      token: config.agentToken,
      ca: config.agentCa,
      graceMs: config.graceMs,
      ...(opts.upstream ? { upstream: opts.upstream } : {}),
      onChange: (u) => fleetStream?.changed(u.info()),
      onRemove: (id) => fleetStream?.removed(id),
    });
    fleetStream = new FleetStream({
      hosts: () => fleet.list().map((u) => u.info()),
      host: (id) => fleet.get(id)?.info(),
    });
    let first: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      first = resolve;
    });
    discovery.start((targets) => {
      fleet.update(targets);
      first();
    });
    const ticker = setInterval(() => {
      fleet.tick();
      fleetStream?.tick();
    }, 1_000);
    ticker.unref();

    const audit = createAuditLog(config.auditFile);
    fastify.decorate('hub', { config, discovery, fleet, fleetStream, audit, ready });
    fastify.addHook('preClose', async () => {
      clearInterval(ticker);
      discovery.stop();
      fleetStream?.close(1001, 'hub shutting down');
      fleet.close();
    });
    fastify.addHook('onClose', async () => audit.flush().catch(() => undefined));
  },
  { name: 'pidscope-hub' },
);
