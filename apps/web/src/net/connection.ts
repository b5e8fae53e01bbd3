import {
  type Event,
  type Hello,
  initialStreamView,
  openStream,
  type Process,
  parseServerMessage,
  receive,
  requestResync,
  type ServerMessage,
  STALE_AFTER_MS,
  type State,
  type StreamStep,
  type StreamView,
} from '@pidscope/protocol';
import { Turns } from '../model/turns.js';
import { markArrival, timed } from '../perf.js';
import { agentUrl } from './api.js';

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
  /** The state of a snapshot. */
  snapshot(state: State): void;
  /** The state after a patch, and the patch's events (a patch that does not fit never comes here). */
  patch(state: State, events: readonly Event[]): void;
  status(status: ConnectionStatus): void;
  /** What the page should tell its user about the stream (null: nothing, once a snapshot came). */
  problem?(problem: string | null): void;
}

/** The agent refused the socket because the page's session is not let in ([T6]). */
export const REFUSED =
  'The agent does not know this page’s session (it restarted with another token?): open the URL the agent printed.';

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
  /**
   * Asked when a socket closed before it opened: resolves true when the agent refuses this page's
   * session. It refuses before the upgrade ([T6]), which a browser reports only as 1006, so one
   * cheap request tells that apart from an agent that is away.
   */
  sessionRefused?: () => Promise<boolean>;
}

const OPEN = 1;

/**
 * The stream client's state machine:
 *   reconnecting → (open, hello, snapshot) → live
 *   live → (silence past staleAfterMs) → stale, with a fresh socket opened → (snapshot) → live
 *   any → (close/error) → reconnecting, reopened after a backoff with jitter.
 * What each message does to the state (seqs, patches, resyncs: rules [T1]–[T5] of the protocol's
 * SPEC.md) is the protocol's `receive`; this class holds its view, sends the resyncs it asks for
 * and hands the states it makes to the page.
 */
export class Connection {
  private ws: SocketLike | null = null;
  private view: StreamView = initialStreamView;
  /** Each patch's process list is written into the list of the state before last ([A10]). */
  private readonly lists = new Turns<Process>();
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
    return this.view.state?.seq ?? null;
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
    this.view = openStream(this.view);
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
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.lastMessageAt = this.now();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      markArrival();
      this.receive(ev.data);
    };
    const lost = () => {
      if (this.ws !== ws) return;
      if (!opened && this.opts.sessionRefused) {
        this.opts.sessionRefused().then(
          (refused) => {
            if (refused && !this.stopped) this.opts.handlers.problem?.(REFUSED);
          },
          () => undefined,
        );
      }
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
      this.settle(requestResync(this.view, 'unreadable message'));
      return;
    }
    this.lastMessageAt = this.now();
    if (msg.type === 'patch') timed('apply', () => this.take(msg));
    else this.take(msg);
  }

  private take(msg: ServerMessage): void {
    const was = this.view.state;
    const step = receive(this.view, msg, msg.type === 'patch' ? this.lists.target() : undefined);
    if (this.settle(step)) return;
    const state = step.view.state;
    switch (msg.type) {
      case 'hello':
        this.intervalMs = msg.intervalMs;
        this.opts.handlers.hello(msg);
        return;
      case 'snapshot':
        if (!state) return;
        this.attempt = 0;
        this.opts.handlers.problem?.(null);
        this.opts.handlers.snapshot(state);
        this.stats.snapshots += 1;
        break;
      case 'patch':
        // Left over from before the snapshot held, or one is awaited: nothing changed.
        if (!was || !state || state === was) return;
        this.lists.swap(was.processes, state.processes);
        this.opts.handlers.patch(state, step.events);
        break;
      case 'heartbeat':
        if (step.view.awaitingSnapshot) return;
        break;
    }
    this.setStatus('live');
  }

  /** Takes the step's view and sends the resync it asks for (true when it asks for one). */
  private settle(step: StreamStep): boolean {
    this.view = step.view;
    if (step.resync === null) return false;
    this.stats.resyncs += 1;
    if (this.current === 'live') this.setStatus('stale');
    if (this.ws && this.ws.readyState === OPEN) {
      this.ws.send(JSON.stringify({ type: 'resync', reason: step.resync.slice(0, 200) }));
    }
    return true;
  }
}

/** The stream URL for this page; the session cookie authenticates it. */
export function streamUrl(location: { protocol: string; host: string }, apiRoot = '') {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${agentUrl(apiRoot, '/api/v1/stream')}`;
}

/** The browser's WebSocket behind the SocketLike seam. */
export const browserSocket: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike;
