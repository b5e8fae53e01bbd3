import {
  type Hello,
  type Patch,
  ProtocolError,
  parseServerMessage,
  prepareServerMessage,
  type ServerMessage,
  type Snapshot,
  STALE_AFTER_MS,
} from '@pidscope/protocol';
import { markArrival, timed } from '../perf.js';

/** What the header shows, exactly these words (e2e tests read them). */
export type ConnectionStatus = 'live' | 'reconnecting' | 'stale';

/** The part of the browser's WebSocket this module uses, so tests can inject a fake. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

export interface ConnectionHandlers {
  hello(hello: Hello): void;
  snapshot(snapshot: Snapshot): void;
  /** Applies the patch; throwing (e.g. a ProtocolError) makes the connection resync. */
  patch(patch: Patch): void;
  status(status: ConnectionStatus): void;
  /** The socket closed with this code (e.g. 4403: the token was refused). */
  closed?(code: number): void;
}

export interface ConnectionOptions {
  url: string;
  socket: SocketFactory;
  handlers: ConnectionHandlers;
  /** First reconnect delay; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** No message for this long: "stale". Default: the protocol's STALE_AFTER_MS, or 5 ticks if longer. */
  staleAfterMs?: number;
  now?: () => number;
  random?: () => number;
}

const OPEN = 1;

/**
 * The stream client's state machine:
 *   reconnecting → (open, hello, snapshot) → live
 *   live → (silence past staleAfterMs) → stale, with a fresh socket opened → (snapshot) → live
 *   any → (close/error) → reconnecting, reopened after a backoff with jitter.
 * A patch whose baseSeq is not the held seq (or that fails to apply), and a heartbeat ahead of
 * the held seq, make the client send {"type":"resync"} and ignore patches until the snapshot
 * (rules [T1]–[T5] of the protocol's SPEC.md).
 */
export class Connection {
  private ws: SocketLike | null = null;
  private seq: number | null = null;
  private awaitingSnapshot = true;
  private attempt = 0;
  private lastMessageAt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private stopped = true;
  private current: ConnectionStatus = 'reconnecting';
  private intervalMs = 1000;
  /** Counts for diagnostics and tests. */
  readonly stats = { opened: 0, snapshots: 0, resyncs: 0, badMessages: 0 };

  constructor(private readonly opts: ConnectionOptions) {}

  get status(): ConnectionStatus {
    return this.current;
  }

  get heldSeq(): number | null {
    return this.seq;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setStatus('reconnecting');
    this.open();
    this.watchdog = setInterval(() => this.check(), 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.reconnectTimer = null;
    this.watchdog = null;
    this.drop();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private staleAfter(): number {
    return this.opts.staleAfterMs ?? Math.max(STALE_AFTER_MS, 5 * this.intervalMs);
  }

  private setStatus(s: ConnectionStatus): void {
    if (s === this.current) return;
    this.current = s;
    this.opts.handlers.status(s);
  }

  private open(): void {
    this.awaitingSnapshot = true;
    this.lastMessageAt = this.now();
    let ws: SocketLike;
    try {
      ws = this.opts.socket(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.stats.opened += 1;
    ws.onopen = () => {
      this.lastMessageAt = this.now();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      markArrival();
      this.receive(ev.data);
    };
    const lost = (ev: unknown) => {
      if (this.ws !== ws) return;
      const code = (ev as { code?: unknown } | null)?.code;
      if (typeof code === 'number') this.opts.handlers.closed?.(code);
      this.ws = null;
      this.scheduleReconnect();
    };
    ws.onclose = lost;
    ws.onerror = lost;
  }

  /** Forgets the socket without reacting to its close. */
  private drop(): void {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close();
    } catch {
      // already closed
    }
  }

  private scheduleReconnect(): void {
    this.drop();
    this.setStatus('reconnecting');
    if (this.stopped || this.reconnectTimer) return;
    const min = this.opts.minBackoffMs ?? 500;
    const max = this.opts.maxBackoffMs ?? 10_000;
    const base = Math.min(max, min * 2 ** this.attempt);
    const jitter = 0.5 + (this.opts.random ?? Math.random)() * 0.5;
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.open();
    }, base * jitter);
  }

  private check(): void {
    if (this.stopped || !this.ws) return;
    if (this.now() - this.lastMessageAt <= this.staleAfter()) return;
    // [T3] Silence: the data is stale; a fresh socket is the quickest way back.
    this.setStatus('stale');
    this.drop();
    this.open();
  }

  private resync(reason: string): void {
    if (this.awaitingSnapshot) return;
    this.stats.resyncs += 1;
    this.awaitingSnapshot = true;
    if (this.current === 'live') this.setStatus('stale');
    if (this.ws && this.ws.readyState === OPEN) {
      this.ws.send(JSON.stringify({ type: 'resync', reason: reason.slice(0, 200) }));
    }
  }

  private receive(data: unknown): void {
    let msg: ServerMessage;
    try {
      msg = timed('parse', () =>
        parseServerMessage(typeof data === 'string' ? data : String(data)),
      );
    } catch {
      // A message we cannot read leaves our state unknown: ask for a fresh snapshot.
      this.stats.badMessages += 1;
      this.lastMessageAt = this.now();
      this.resync('unreadable message');
      return;
    }
    this.lastMessageAt = this.now();
    switch (msg.type) {
      case 'hello':
        this.intervalMs = msg.intervalMs;
        this.opts.handlers.hello(msg);
        break;
      case 'snapshot':
        this.seq = msg.seq;
        this.awaitingSnapshot = false;
        this.attempt = 0;
        this.opts.handlers.snapshot(msg);
        this.setStatus('live');
        if (this.stats.snapshots++ === 0) prepareFollowers();
        break;
      case 'patch':
        // [T4] Left over from before the snapshot we hold: ignore.
        if (this.awaitingSnapshot || (this.seq !== null && msg.seq <= this.seq)) return;
        if (msg.baseSeq !== this.seq) {
          this.resync(`patch ${msg.seq} is based on ${msg.baseSeq}, I hold ${this.seq}`);
          return;
        }
        try {
          this.opts.handlers.patch(msg);
        } catch (err) {
          const why = err instanceof ProtocolError ? err.message : 'patch failed to apply';
          this.resync(why);
          return;
        }
        this.seq = msg.seq;
        this.setStatus('live');
        break;
      case 'heartbeat':
        if (this.awaitingSnapshot) return;
        if (this.seq !== null && msg.seq > this.seq) {
          this.resync(`heartbeat at ${msg.seq}, I hold ${this.seq}`);
          return;
        }
        this.setStatus('live');
        break;
    }
  }
}

/**
 * Compiles the checkers of the messages that follow a snapshot when the page is next idle, so the
 * first patch does not pay for it (about 10 ms, one task).
 */
function prepareFollowers(): void {
  const idle = (run: () => void) =>
    typeof requestIdleCallback === 'function'
      ? requestIdleCallback(run, { timeout: 2000 })
      : setTimeout(run, 0);
  for (const type of ['patch', 'heartbeat'] as const) idle(() => prepareServerMessage(type));
}

/** The stream URL for this page, with the session's token when there is one. */
export function streamUrl(location: { protocol: string; host: string }, token: string | null) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}//${location.host}/api/v1/stream${q}`;
}

/** The browser's WebSocket behind the SocketLike seam. */
export const browserSocket: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike;
