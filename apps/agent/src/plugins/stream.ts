import { release } from 'node:os';
import {
  CLIENT_MESSAGE_LIMIT,
  CLIENT_MESSAGE_WINDOW_MS,
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
  /** [T8] More client messages than this in one window close the client with 1008. */
  messageLimit: number;
  messageWindowMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  highWaterBytes: HIGH_WATER_BYTES,
  lowWaterBytes: LOW_WATER_BYTES,
  heartbeatMs: HEARTBEAT_INTERVAL_MS,
  lagTimeoutMs: LAG_TIMEOUT_MS,
  messageLimit: CLIENT_MESSAGE_LIMIT,
  messageWindowMs: CLIENT_MESSAGE_WINDOW_MS,
};

export interface StreamClient {
  /** Sends hello and a snapshot; later ticks follow as patches. */
  start(): void;
  /**
   * Counts a message from the client; false (and the client closed with 1008) past the limit
   * ([T8]). Called for every message before it is even parsed.
   */
  admit(): boolean;
  /** A fresh snapshot after the client asked to resync, never more than one in flight ([T8]). */
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
  /**
   * It asked to resync while its last snapshot was still unsent, or already showed this seq: one
   * more once that drained and the state moved on.
   */
  resyncWanted: boolean;
  /** The seq of the last snapshot sent to it. */
  snapshotSeq: number;
  windowStart: number;
  messagesInWindow: number;
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
      c.snapshotSeq = state.seq;
      c.laggingSince = null;
      c.resyncWanted = false;
    };
    const open = (c: Client) => c.socket.readyState === c.socket.OPEN;
    /** Its last snapshot is (nearly) all sent: another one may go. */
    const drained = (c: Client) => c.socket.bufferedAmount <= options.lowWaterBytes;

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
        if (patch.baseSeq !== c.seq || (c.resyncWanted && drained(c))) {
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
          else if (c.resyncWanted && drained(c) && c.snapshotSeq !== fastify.model.state().seq)
            sendSnapshot(c);
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
        const c: Client = {
          socket,
          seq: -1,
          lastSentAt: Date.now(),
          laggingSince: null,
          resyncWanted: false,
          snapshotSeq: -1,
          windowStart: Date.now(),
          messagesInWindow: 0,
        };
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
          admit() {
            const now = Date.now();
            if (now - c.windowStart >= options.messageWindowMs) {
              c.windowStart = now;
              c.messagesInWindow = 0;
            }
            c.messagesInWindow++;
            if (c.messagesInWindow <= options.messageLimit) return true;
            if (clients.delete(c)) {
              c.socket.close(
                CloseCode.PolicyViolation,
                `more than ${options.messageLimit} messages in ${options.messageWindowMs / 1000} s`,
              );
            }
            return false;
          },
          resync() {
            // Behind ([T5]): the snapshot that ends the lag answers it.
            if (!open(c) || c.laggingSince !== null) return;
            // The same snapshot again would tell it nothing: the next state's one will.
            if (drained(c) && c.snapshotSeq !== fastify.model.state().seq) sendSnapshot(c);
            else c.resyncWanted = true;
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
