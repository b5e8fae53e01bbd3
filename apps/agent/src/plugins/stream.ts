import { release } from 'node:os';
import {
  CloseCode,
  DEFAULT_FANOUT_OPTIONS,
  Fanout,
  type FanoutClient,
  type FanoutOptions,
  type Hello,
  PROTOCOL_VERSION,
  type Snapshot,
} from '@pidscope/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { AGENT_VERSION } from '../version.js';
import type { Tick } from './model.js';

/** Backpressure, heartbeat and message bounds of the stream ([T3], [T5], [T6], [T8]). */
export type StreamOptions = Omit<FanoutOptions, 'now'>;

export const DEFAULT_STREAM_OPTIONS: StreamOptions = DEFAULT_FANOUT_OPTIONS;

export type StreamClient = FanoutClient;

/** How often a client that fell behind, or waits for a resync, is looked at ([T5]). */
const CATCH_UP_MS = 1000;

export interface StreamHub {
  connect(socket: WebSocket): StreamClient;
  clients(): number;
  /** Snapshots sent to lagging clients instead of their dropped patches. */
  lagResyncs(): number;
}

declare module 'fastify' {
  interface FastifyInstance {
    stream: StreamHub;
  }
}

export default fp(
  async function streamPlugin(fastify: FastifyInstance, opts: Partial<StreamOptions>) {
    const options = { ...DEFAULT_STREAM_OPTIONS, ...opts };
    let snapshotCache: { seq: number; text: string } | null = null;

    const fanout = new Fanout(
      {
        hello() {
          const { config, docker } = fastify;
          const hello: Hello = {
            type: 'hello',
            protocolVersion: PROTOCOL_VERSION,
            hostname: fastify.model.state().host.hostname,
            kernel: release(),
            agentVersion: AGENT_VERSION,
            capabilities: ['snapshot', 'patch', 'resync', 'events', 'zombie-analysis'],
            docker: docker.status(),
            readOnly: config.readOnly,
            intervalMs: config.intervalMs,
          };
          return JSON.stringify(hello);
        },
        snapshot() {
          const state = fastify.model.state();
          if (snapshotCache?.seq !== state.seq) {
            const msg: Snapshot = { type: 'snapshot', seq: state.seq, state };
            snapshotCache = { seq: state.seq, text: JSON.stringify(msg) };
          }
          return snapshotCache;
        },
        seq: () => fastify.model.state().seq,
      },
      options,
    );

    // Heartbeats and catch-ups wake the loop only when one is due (a client behind is looked at
    // every second): an idle wake-up of Node costs about a millisecond of CPU on a virtual machine.
    let ticker: NodeJS.Timeout | null = null;
    let tickAt = Number.POSITIVE_INFINITY;
    let closing = false;
    const schedule = () => {
      const now = Date.now();
      const due = now + fanout.nextTickIn(now, Math.min(CATCH_UP_MS, options.heartbeatMs));
      if (closing || due >= tickAt) return;
      if (ticker) clearTimeout(ticker);
      tickAt = due;
      ticker = setTimeout(() => {
        ticker = null;
        tickAt = Number.POSITIVE_INFINITY;
        fanout.tick();
        schedule();
      }, due - now);
      ticker.unref();
    };

    const unsubscribe = fastify.model.onTick((tick: Tick) => {
      const patch = tick.patch;
      if (!patch) return;
      fanout.publish(patch, () => JSON.stringify(patch));
      schedule();
    });

    const hub: StreamHub = {
      connect(socket) {
        const client = fanout.add(socket);
        socket.on('close', () => fanout.remove(socket));
        schedule();
        return {
          ...client,
          start: () => {
            client.start();
            schedule();
          },
          resync: () => {
            client.resync();
            schedule();
          },
        };
      },
      clients: () => fanout.size,
      lagResyncs: () => fanout.lagResyncs,
    };
    fastify.decorate('stream', hub);

    fastify.addHook('preClose', async () => {
      closing = true;
      if (ticker) clearTimeout(ticker);
      unsubscribe();
      fanout.closeAll(CloseCode.GoingAway, 'agent shutting down');
    });
  },
  { name: 'pidscope-stream', dependencies: ['pidscope-model'] },
);
