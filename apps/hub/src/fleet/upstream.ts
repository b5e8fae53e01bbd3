import {
  applyPatch,
  CloseCode,
  DOWN_AFTER_MS,
  diff,
  type Event,
  Fanout,
  type FanoutOptions,
  type FleetHost,
  type Hello,
  type HostStatus,
  type HostSummary,
  isEmptyPatch,
  isEvent,
  type Patch,
  type Process,
  ProtocolError,
  parseServerMessage,
  type Snapshot,
  type State,
  summarizeHost,
  validateState,
} from '@pidscope/protocol';
import WebSocket from 'ws';
import type { AgentTarget } from '../discovery/sources.js';
import { type AgentClient, createAgentClient } from './agentHttp.js';

export interface UpstreamOptions {
  target: AgentTarget;
  token: string | null;
  ca: string | null;
  now?: () => number;
  /** How often the hub pings the agent ([F3]). */
  pingMs?: number;
  downAfterMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Events kept per host for the fleet's event list. */
  eventsKept?: number;
  /** Backpressure and heartbeats of the browsers' streams of this host. */
  fanout?: Partial<FanoutOptions>;
  /** Told whenever what `info()` answers may have changed. */
  onChange?: (upstream: Upstream) => void;
}

/** Biggest message accepted from an agent: a snapshot of ~200,000 processes. */
const MAX_AGENT_MESSAGE_BYTES = 64 * 1024 * 1024;

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === 'EHOSTUNREACH') return 'host unreachable';
  if (e?.code === 'ETIMEDOUT') return 'connection timed out';
  return e?.message || String(err);
}

/**
 * The hub's one stream from one agent ([F3], [F10]). It keeps the agent's state with the hub's
 * own seq, pings every second, marks the host down after DOWN_AFTER_MS without an answer,
 * reconnects with backoff, and fans the state out to the browsers watching this host. A fault
 * here (a dead, slow or garbled agent) touches this host only: nothing in it waits on another.
 */
export class Upstream {
  readonly id: string;
  readonly target: AgentTarget;
  readonly client: AgentClient;
  readonly fanout: Fanout;

  private hello: Hello | null = null;
  private state: State | null = null;
  /**
   * The process list of the state before this one, which the next patch is written into ([A10]):
   * a host's patch a second would otherwise leave a list of all its processes as garbage that
   * lived long enough to be promoted, which across a fleet is most of what the old generation
   * collects. Nothing keeps a state past the call that reads it, so the list is free to reuse.
   */
  private spare: Process[] = [];
  /** hub seq − agent seq of the agent's current run. */
  private offset = 0;
  private awaitingSnapshot = true;
  private snapshotCache: { seq: number; text: string } | null = null;
  private summaryCache: HostSummary | null = null;
  private readonly events: Event[] = [];

  private status: HostStatus = 'connecting';
  private since: number;
  private lastSeenAt: number | null = null;
  private error: string | null = null;

  private ws: WebSocket | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private closed = false;
  /** Snapshots received, for tests and diagnostics. */
  snapshots = 0;

  constructor(private readonly opts: UpstreamOptions) {
    this.id = opts.target.id;
    this.target = opts.target;
    this.since = this.now();
    this.client = createAgentClient({ target: opts.target, token: opts.token, ca: opts.ca });
    this.fanout = new Fanout(
      {
        hello: () => JSON.stringify(this.hello),
        snapshot: () => this.snapshotText(),
        seq: () => (this.state as State).seq,
      },
      { ...opts.fanout, now: opts.now ?? Date.now },
    );
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** What GET /api/v1/hosts says of this host. */
  info(): FleetHost {
    return {
      id: this.id,
      url: this.target.url,
      hostname: this.hello?.hostname ?? null,
      kernel: this.hello?.kernel ?? null,
      status: this.status,
      since: this.since,
      lastSeenAt: this.lastSeenAt,
      error: this.error,
      summary: this.summary(),
    };
  }

  get isUp(): boolean {
    return this.status === 'up';
  }

  /** The last state the agent sent (kept while down), with the hub's seq. */
  current(): State | null {
    return this.state;
  }

  /** Events held for this host at or after `since`, oldest first. */
  eventsSince(since: number): Event[] {
    return this.events.filter((e) => e.at >= since);
  }

  private summary(): HostSummary | null {
    if (!this.state) return null;
    this.summaryCache ??= summarizeHost(this.state);
    return this.summaryCache;
  }

  private snapshotText(): { seq: number; text: string } {
    const state = this.state as State;
    if (this.snapshotCache?.seq !== state.seq) {
      const msg: Snapshot = { type: 'snapshot', seq: state.seq, state };
      this.snapshotCache = { seq: state.seq, text: JSON.stringify(msg) };
    }
    return this.snapshotCache;
  }

  private changed(): void {
    this.opts.onChange?.(this);
  }

  private setStatus(status: HostStatus, error: string | null): void {
    if (this.status !== status) {
      this.status = status;
      this.since = this.now();
    }
    this.error = error;
    this.changed();
  }

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    this.awaitingSnapshot = true;
    const ws = new WebSocket(
      this.client.streamUrl,
      this.client.wsOptions({
        handshakeTimeout: this.opts.downAfterMs ?? DOWN_AFTER_MS,
        maxPayload: MAX_AGENT_MESSAGE_BYTES,
        perMessageDeflate: false,
      }),
    );
    this.ws = ws;
    ws.on('unexpected-response', (_req, res) => {
      this.lost(ws, `the agent answered ${res.statusCode} to the stream request`);
      res.resume();
    });
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.lastSeenAt = this.now();
      this.pingTimer = setInterval(() => this.ping(ws), this.opts.pingMs ?? 1_000);
    });
    ws.on('message', (data: Buffer) => {
      if (this.ws !== ws) return;
      this.lastSeenAt = this.now();
      this.receive(ws, data.toString('utf8'));
    });
    ws.on('pong', () => {
      if (this.ws === ws) this.lastSeenAt = this.now();
    });
    ws.on('close', (code, reason) => {
      const why = reason.length ? `: ${reason.toString('utf8')}` : '';
      this.lost(ws, `the stream closed (${code}${why})`);
    });
    ws.on('error', (err) => this.lost(ws, describe(err)));
  }

  private ping(ws: WebSocket): void {
    const silentFor = this.now() - (this.lastSeenAt ?? 0);
    const limit = this.opts.downAfterMs ?? DOWN_AFTER_MS;
    if (silentFor > limit) {
      this.lost(ws, `no answer for ${Math.round(silentFor / 100) / 10} s`);
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.ping();
  }

  /** The stream is gone: the host is down until a reconnect brings a fresh snapshot. */
  private lost(ws: WebSocket, why: string): void {
    if (this.ws !== ws) return;
    this.ws = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    ws.removeAllListeners('message');
    ws.on('error', () => undefined);
    ws.terminate();
    if (this.closed) return;
    this.fanout.closeAll(CloseCode.TryAgainLater, `host ${this.id} is down: ${why}`.slice(0, 120));
    this.setStatus('down', why);
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 5_000;
    const delay = Math.min(max, min * 2 ** this.attempt) * (0.5 + Math.random() * 0.5);
    this.attempt++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private resync(ws: WebSocket, reason: string): void {
    if (this.awaitingSnapshot) return;
    this.awaitingSnapshot = true;
    ws.send(JSON.stringify({ type: 'resync', reason: reason.slice(0, 200) }));
  }

  private receive(ws: WebSocket, text: string): void {
    let msg: ReturnType<typeof parseServerMessage>;
    try {
      msg = parseServerMessage(text);
    } catch (err) {
      this.lost(ws, `sent a message the hub cannot read: ${(err as Error).message.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'hello': {
        const before = this.hello;
        this.hello = msg;
        if (before && JSON.stringify(before) !== JSON.stringify(msg)) this.fanout.rehello();
        break;
      }
      case 'snapshot':
        this.snapshot(ws, msg);
        break;
      case 'patch':
        this.patch(ws, msg, text);
        break;
      case 'heartbeat': {
        const state = this.state;
        if (state && !this.awaitingSnapshot && msg.seq > state.seq - this.offset) {
          this.resync(ws, `heartbeat at ${msg.seq} is ahead of the hub's state`);
        }
        break;
      }
    }
  }

  /**
   * [F10] A fresh snapshot continues the hub's seq: browsers holding the last state get the
   * difference as one patch.
   */
  private snapshot(ws: WebSocket, msg: Snapshot): void {
    const incoming: State = { ...msg.state, seq: msg.seq };
    const problems = validateState(incoming);
    if (problems.length > 0) {
      this.lost(ws, `sent an unsound snapshot: ${problems.slice(0, 2).join('; ')}`);
      return;
    }
    const reconnected = this.status !== 'up';
    const held = this.state;
    if (!held) {
      this.state = incoming;
      this.offset = 0;
    } else {
      const next = { ...incoming, seq: held.seq + 1 };
      const patch = diff(held, next);
      if (isEmptyPatch(patch)) {
        this.offset = held.seq - msg.seq;
      } else {
        this.offset = next.seq - msg.seq;
        this.state = next;
        this.fanout.publish(patch, () => JSON.stringify(patch));
      }
    }
    this.summaryCache = null;
    this.awaitingSnapshot = false;
    this.snapshots++;
    this.attempt = 0;
    this.setStatus('up', null);
    if (reconnected) void this.backfillEvents();
  }

  private patch(ws: WebSocket, msg: Patch, text: string): void {
    const held = this.state;
    if (!held || this.awaitingSnapshot) return;
    const agentSeq = held.seq - this.offset;
    // [T4] Left over from before the snapshot the hub holds.
    if (msg.seq <= agentSeq) return;
    if (msg.baseSeq !== agentSeq) {
      this.resync(ws, `patch ${msg.seq} is based on ${msg.baseSeq}, the hub holds ${agentSeq}`);
      return;
    }
    const offset = this.offset;
    const stamped: Patch =
      offset === 0 ? msg : { ...msg, seq: msg.seq + offset, baseSeq: msg.baseSeq + offset };
    try {
      this.state = applyPatch(held, stamped, this.spare);
      this.spare = held.processes;
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.resync(ws, err.message);
      return;
    }
    this.summaryCache = null;
    this.keepEvents(msg.events);
    this.fanout.publish(stamped, offset === 0 ? () => text : () => JSON.stringify(stamped));
    this.changed();
  }

  private keepEvents(events: readonly Event[]): void {
    if (events.length === 0) return;
    this.events.push(...events);
    const max = this.opts.eventsKept ?? 2_000;
    if (this.events.length > max) this.events.splice(0, this.events.length - max);
  }

  /** [T7] Events the hub missed while the host was away, from the agent's event ring. */
  private async backfillEvents(): Promise<void> {
    const last = this.events[this.events.length - 1];
    const since = last ? last.at : 0;
    try {
      const body = await this.client.json<{ events: Event[] }>(
        `/api/v1/events?since=${since}`,
        5_000,
      );
      const known = new Set(this.events.map((e) => `${e.id}@${e.at}`));
      const missed = body.events.filter((e) => isEvent(e) && !known.has(`${e.id}@${e.at}`));
      if (missed.length === 0) return;
      this.events.push(...missed);
      this.events.sort((a, b) => a.at - b.at || a.id - b.id);
      const max = this.opts.eventsKept ?? 2_000;
      if (this.events.length > max) this.events.splice(0, this.events.length - max);
    } catch {
      // The stream carries new events either way; only older ones stay unknown.
    }
  }

  /** Browsers' heartbeats and catch-ups. */
  tick(): void {
    this.fanout.tick();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.fanout.closeAll(CloseCode.GoingAway, 'the hub stopped watching this host');
    const ws = this.ws;
    if (ws) this.lost(ws, 'closed');
    this.client.close();
  }
}
