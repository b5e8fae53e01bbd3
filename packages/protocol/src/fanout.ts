import { CloseCode } from './closeCodes.js';
import type { Heartbeat, Patch } from './schemas.js';
import {
  HEARTBEAT_INTERVAL_MS,
  HIGH_WATER_BYTES,
  LAG_TIMEOUT_MS,
  LOW_WATER_BYTES,
} from './stream.js';

/** What the fan-out needs of a server-side WebSocket (`ws` sockets have it). */
export interface FanoutSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** Where the fan-out takes what a client is brought up to date with. */
export interface FanoutSource {
  /** The `hello` message as text. */
  hello(): string;
  /** The current state's seq and its `snapshot` message as text (the source caches it). */
  snapshot(): { seq: number; text: string };
}

export interface FanoutOptions {
  /** [T5] Past this many unsent bytes a socket gets nothing more until it drains. */
  highWaterBytes: number;
  /** [T5] A client that fell behind gets a fresh snapshot once below this. */
  lowWaterBytes: number;
  /** [T3] */
  heartbeatMs: number;
  /** [T6] A client behind for this long is closed with 1013. */
  lagTimeoutMs: number;
  now: () => number;
}

export const DEFAULT_FANOUT_OPTIONS: FanoutOptions = {
  highWaterBytes: HIGH_WATER_BYTES,
  lowWaterBytes: LOW_WATER_BYTES,
  heartbeatMs: HEARTBEAT_INTERVAL_MS,
  lagTimeoutMs: LAG_TIMEOUT_MS,
  now: Date.now,
};

/** One client of a fan-out. */
export interface FanoutClient {
  /** [T1] Sends hello and a snapshot; later patches follow. */
  start(): void;
  /** [T4] A fresh snapshot, after the client asked to resync. */
  resync(): void;
  close(code: number, reason: string): void;
}

interface Client {
  socket: FanoutSocket;
  seq: number;
  lastSentAt: number;
  laggingSince: number | null;
}

const OPEN = 1;

/**
 * The server side of the stream ([T1]–[T6]) for many clients of one source: every client gets
 * each patch once it holds the patch's base, a snapshot when it does not, a heartbeat after
 * silence, and nothing while its socket is backed up (then a fresh snapshot once it drained, or a
 * close if it never does). A slow client never delays the others. Node-free: it only calls the
 * socket's send, close, readyState and bufferedAmount.
 */
export class Fanout {
  private readonly clients = new Set<Client>();
  private readonly options: FanoutOptions;
  /** Snapshots sent to lagging clients instead of their dropped patches. */
  lagResyncs = 0;

  constructor(
    private readonly source: FanoutSource,
    options: Partial<FanoutOptions> = {},
  ) {
    this.options = { ...DEFAULT_FANOUT_OPTIONS, ...options };
  }

  get size(): number {
    return this.clients.size;
  }

  add(socket: FanoutSocket): FanoutClient {
    const c: Client = { socket, seq: -1, lastSentAt: this.options.now(), laggingSince: null };
    this.clients.add(c);
    return {
      start: () => {
        this.send(c, this.source.hello());
        this.sendSnapshot(c);
      },
      resync: () => {
        if (c.socket.readyState === OPEN) this.sendSnapshot(c);
      },
      close: (code, reason) => {
        // Forgotten at once: the close handshake may take a while to finish.
        this.clients.delete(c);
        c.socket.close(code, reason);
      },
    };
  }

  /** Forgets a socket that closed. */
  remove(socket: FanoutSocket): void {
    for (const c of this.clients) if (c.socket === socket) this.clients.delete(c);
  }

  /** [T2] Sends a patch to every client holding its base; `text` is its JSON, made once. */
  publish(patch: Patch, text: () => string): void {
    let json: string | null = null;
    const now = this.options.now();
    for (const c of this.clients) {
      if (c.socket.readyState !== OPEN) continue;
      if (c.laggingSince !== null) {
        this.catchUp(c, now);
        continue;
      }
      if (c.socket.bufferedAmount > this.options.highWaterBytes) {
        // Never queue without bound: drop its patches; a snapshot replaces them once it drains.
        c.laggingSince = now;
        continue;
      }
      if (patch.baseSeq !== c.seq) {
        this.sendSnapshot(c);
        continue;
      }
      json ??= text();
      this.send(c, json);
      c.seq = patch.seq;
    }
  }

  /** [T3] [T5] Heartbeats and catch-ups; call about once a second. */
  tick(): void {
    const now = this.options.now();
    for (const c of this.clients) {
      if (c.socket.readyState !== OPEN) continue;
      if (c.laggingSince !== null) this.catchUp(c, now);
      else if (now - c.lastSentAt >= this.options.heartbeatMs) {
        const hb: Heartbeat = { type: 'heartbeat', seq: c.seq, at: now };
        this.send(c, JSON.stringify(hb));
      }
    }
  }

  /** Sends the hello again to every client (what it announces changed). */
  rehello(): void {
    const text = this.source.hello();
    for (const c of this.clients) if (c.socket.readyState === OPEN) this.send(c, text);
  }

  closeAll(code: number, reason: string): void {
    for (const c of this.clients) c.socket.close(code, reason);
    this.clients.clear();
  }

  private send(c: Client, text: string): void {
    c.socket.send(text);
    c.lastSentAt = this.options.now();
  }

  private sendSnapshot(c: Client): void {
    const { seq, text } = this.source.snapshot();
    this.send(c, text);
    c.seq = seq;
    c.laggingSince = null;
  }

  private catchUp(c: Client, now: number): void {
    if (c.laggingSince === null) return;
    if (c.socket.bufferedAmount <= this.options.lowWaterBytes) {
      this.lagResyncs++;
      this.sendSnapshot(c);
    } else if (now - c.laggingSince > this.options.lagTimeoutMs) {
      this.clients.delete(c);
      c.socket.close(CloseCode.TryAgainLater, 'client too slow to keep up');
    }
  }
}
