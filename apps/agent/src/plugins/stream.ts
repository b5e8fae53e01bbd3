import { release } from 'node:os';
import {
  CloseCode,
  HEARTBEAT_INTERVAL_MS,
  type Heartbeat,
  type Hello,
  HIGH_WATER_BYTES,
  LAG_TIMEOUT_MS,
  LOW_WATER_BYTES,
  PROTOCOL_VERSION,
  type Snapshot,
  type State,
} from '@pidscope/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { AGENT_VERSION } from '../version.js';
import type { Tick } from './model.js';

export interface StreamOptions {
  /** Past this many bytes queued on a socket, its patches are dropped until it drains. */
  highWaterBytes: number;
  /** A lagging client gets its fresh snapshot once its queue is below this. */
  lowWaterBytes: number;
  heartbeatMs: number;
  /** A client that stays lagging this long is closed with 1013 (try again later). */
  lagTimeoutMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  highWaterBytes: HIGH_WATER_BYTES,
  lowWaterBytes: LOW_WATER_BYTES,
  heartbeatMs: HEARTBEAT_INTERVAL_MS,
  lagTimeoutMs: LAG_TIMEOUT_MS,
};

export interface StreamClient {
  /** Sends hello and a snapshot; later ticks follow as patches. */
  start(): void;
  /** A fresh snapshot, e.g. after the client asked to resync. */
  resync(): void;
  close(code: number, reason: string): void;
}

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

interface Client {
  socket: WebSocket;
  seq: number;
  lastSentAt: number;
  laggingSince: number | null;
}

export default fp(
  async function streamPlugin(fastify: FastifyInstance, opts: Partial<StreamOptions>) {
    const options = { ...DEFAULT_STREAM_OPTIONS, ...opts };
    const clients = new Set<Client>();
    let lagResyncs = 0;
    let snapshotCache: { seq: number; text: string } | null = null;

    const snapshotText = (state: State): string => {
      if (snapshotCache?.seq !== state.seq) {
        const msg: Snapshot = { type: 'snapshot', seq: state.seq, state };
        snapshotCache = { seq: state.seq, text: JSON.stringify(msg) };
      }
      return snapshotCache.text;
    };
    const send = (c: Client, text: string) => {
      c.socket.send(text);
      c.lastSentAt = Date.now();
    };
    const sendSnapshot = (c: Client) => {
      const state = fastify.model.state();
      send(c, snapshotText(state));
      c.seq = state.seq;
      c.laggingSince = null;
    };
    const open = (c: Client) => c.socket.readyState === c.socket.OPEN;

    /** A lagging client gets a snapshot once it drained, or is closed if it never does. */
    const catchUp = (c: Client, now: number): void => {
      if (c.laggingSince === null) return;
      if (c.socket.bufferedAmount <= options.lowWaterBytes) {
        lagResyncs++;
        sendSnapshot(c);
      } else if (now - c.laggingSince > options.lagTimeoutMs) {
        clients.delete(c);
        c.socket.close(CloseCode.TryAgainLater, 'client too slow to keep up');
      }
    };

    const onTick = (tick: Tick) => {
      const patch = tick.patch;
      if (!patch) return;
      let text: string | null = null;
      const now = Date.now();
      for (const c of clients) {
        if (!open(c)) continue;
        if (c.laggingSince !== null) {
          catchUp(c, now);
          continue;
        }
        if (c.socket.bufferedAmount > options.highWaterBytes) {
          // Never queue without bound: drop its patches; a snapshot replaces them once it drains.
          c.laggingSince = now;
          continue;
        }
        if (patch.baseSeq !== c.seq) {
          sendSnapshot(c);
          continue;
        }
        text ??= JSON.stringify(patch);
        send(c, text);
        c.seq = patch.seq;
      }
    };
    const unsubscribe = fastify.model.onTick(onTick);

    const ticker = setInterval(
      () => {
        const now = Date.now();
        for (const c of clients) {
          if (!open(c)) continue;
          if (c.laggingSince !== null) catchUp(c, now);
          else if (now - c.lastSentAt >= options.heartbeatMs) {
            const hb: Heartbeat = { type: 'heartbeat', seq: c.seq, at: now };
            send(c, JSON.stringify(hb));
          }
        }
      },
      Math.min(1000, options.heartbeatMs),
    );
    ticker.unref();

    const hub: StreamHub = {
      connect(socket) {
        const c: Client = { socket, seq: -1, lastSentAt: Date.now(), laggingSince: null };
        clients.add(c);
        socket.on('close', () => clients.delete(c));
        return {
          start() {
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
            send(c, JSON.stringify(hello));
            sendSnapshot(c);
          },
          resync() {
            if (open(c)) sendSnapshot(c);
          },
          close(code, reason) {
            // Forgotten at once: the close handshake may take a while to finish.
            clients.delete(c);
            socket.close(code, reason);
          },
        };
      },
      clients: () => clients.size,
      lagResyncs: () => lagResyncs,
    };
    fastify.decorate('stream', hub);

    fastify.addHook('preClose', async () => {
      clearInterval(ticker);
      unsubscribe();
      for (const c of clients) c.socket.close(CloseCode.GoingAway, 'agent shutting down');
    });
  },
  { name: 'pidscope-stream', dependencies: ['pidscope-model'] },
);
