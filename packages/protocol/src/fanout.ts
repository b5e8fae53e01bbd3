import { CloseCode } from './closeCodes.js';
import type { Heartbeat, Patch } from './schemas.js';
import {
  CLIENT_MESSAGE_LIMIT,
  CLIENT_MESSAGE_WINDOW_MS,
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
  /** The current state's seq, without making its snapshot text. */
  seq(): number;
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
  /** [T8] More client messages than this in one window close the client with 1008. */
  messageLimit: number;
  messageWindowMs: number;
  now: () => number;
}

export const DEFAULT_FANOUT_OPTIONS: FanoutOptions = {
  highWaterBytes: HIGH_WATER_BYTES,
  lowWaterBytes: LOW_WATER_BYTES,
  heartbeatMs: HEARTBEAT_INTERVAL_MS,
  lagTimeoutMs: LAG_TIMEOUT_MS,
  messageLimit: CLIENT_MESSAGE_LIMIT,
  messageWindowMs: CLIENT_MESSAGE_WINDOW_MS,
  now: Date.now,
};

/** One client of a fan-out. */
export interface FanoutClient {
  /** [T1] Sends hello and a snapshot; later patches follow. */
  start(): void;
  /**
   * [T8] Counts a message from the client; false (and the client closed with 1008) past the
   * limit. Called for every message before it is even parsed.
   */
  admit(): boolean;
  /** [T4] [T8] A fresh snapshot after the client asked, never more than one in flight. */
  resync(): void;
  close(code: number, reason: string): void;
}

interface Client {
  socket: FanoutSocket;
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
    const now = this.options.now();
    const c: Client = {
      socket,
      seq: -1,
      lastSentAt: now,
      laggingSince: null,
      resyncWanted: false,
      snapshotSeq: -1,
      windowStart: now,
      messagesInWindow: 0,
    };
    this.clients.add(c);
    const { messageLimit, messageWindowMs } = this.options;
    return {
      start: () => {
        this.send(c, this.source.hello());
        this.sendSnapshot(c);
      },
      admit: () => {
        const at = this.options.now();
        if (at - c.windowStart >= messageWindowMs) {
          c.windowStart = at;
          c.messagesInWindow = 0;
        }
        c.messagesInWindow++;
        if (c.messagesInWindow <= messageLimit) return true;
        if (this.clients.delete(c)) {
          c.socket.close(
            CloseCode.PolicyViolation,
            `more than ${messageLimit} messages in ${messageWindowMs / 1000} s`,
          );
        }
        return false;
      },
      resync: () => {
        // Behind ([T5]): the snapshot that ends the lag answers it.
        if (c.socket.readyState !== OPEN || c.laggingSince !== null) return;
        // The same snapshot again would tell it nothing: the next state's one will.
        if (this.drained(c) && c.snapshotSeq !== this.source.seq()) this.sendSnapshot(c);
        else c.resyncWanted = true;
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
      if (patch.baseSeq !== c.seq || (c.resyncWanted && this.drained(c))) {
        this.sendSnapshot(c);
        continue;
      }
      json ??= text();
      this.send(c, json);
      c.seq = patch.seq;
    }
  }

  /**
   * [T3] [T5] How soon tick() has something to do, in ms from `now`: `catchUpMs` while a client is
   * behind, waits for a resync or is not open yet (it is looked at that often), else when the
   * first heartbeat falls due (0 if one is late); Infinity with no client. A caller that ticks
   * then, and asks again after each tick, publish, new client and resync, never wakes for nothing.
   */
  nextTickIn(now: number, catchUpMs: number): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const c of this.clients) {
      if (c.socket.readyState !== OPEN || c.laggingSince !== null || c.resyncWanted) {
        soonest = Math.min(soonest, catchUpMs);
      } else soonest = Math.min(soonest, c.lastSentAt + this.options.heartbeatMs - now);
    }
    return Math.max(0, soonest);
  }

  /** [T3] [T5] Heartbeats and catch-ups: when nextTickIn says, or about once a second. */
  tick(): void {
    const now = this.options.now();
    for (const c of this.clients) {
      if (c.socket.readyState !== OPEN) continue;
      if (c.laggingSince !== null) this.catchUp(c, now);
      else if (c.resyncWanted && this.drained(c) && c.snapshotSeq !== this.source.seq()) {
        this.sendSnapshot(c);
      } else if (now - c.lastSentAt >= this.options.heartbeatMs) {
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

  /** Its last snapshot is (nearly) all sent: another one may go. */
  private drained(c: Client): boolean {
    return c.socket.bufferedAmount <= this.options.lowWaterBytes;
  }

  private sendSnapshot(c: Client): void {
    const { seq, text } = this.source.snapshot();
    this.send(c, text);
    c.seq = seq;
    c.snapshotSeq = seq;
    c.laggingSince = null;
    c.resyncWanted = false;
  }

  private catchUp(c: Client, now: number): void {
    if (c.laggingSince === null) return;
    if (this.drained(c)) {
      this.lagResyncs++;
      this.sendSnapshot(c);
    } else if (now - c.laggingSince > this.options.lagTimeoutMs) {
      this.clients.delete(c);
      c.socket.close(CloseCode.TryAgainLater, 'client too slow to keep up');
    }
  }
}
