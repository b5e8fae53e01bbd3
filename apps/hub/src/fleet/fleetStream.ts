import type { FanoutSocket } from '@pidscope/protocol';
import {
  CLIENT_MESSAGE_LIMIT,
  CLIENT_MESSAGE_WINDOW_MS,
  CloseCode,
  FLEET_UPDATE_MS,
  type FleetHost,
  type FleetMessage,
  fleetHostChanged,
  HEARTBEAT_INTERVAL_MS,
  HIGH_WATER_BYTES,
} from '@pidscope/protocol';

export interface FleetStreamOptions {
  /** Every host now. */
  hosts: () => FleetHost[];
  /** One host now, or undefined when it is gone. */
  host: (id: string) => FleetHost | undefined;
  now?: () => number;
  heartbeatMs?: number;
  updateMs?: number;
}

interface Sent {
  host: FleetHost;
  at: number;
}

interface Client {
  socket: FanoutSocket;
  lastSentAt: number;
  windowStart: number;
  messagesInWindow: number;
}

/** One browser on the fleet stream, as its route drives it. */
export interface FleetClient {
  /**
   * [T8] as on an agent's stream: counts a message from the browser; false (and the browser
   * closed with 1008) past the limit. Each message costs the hub the whole list of hosts.
   */
  admit(): boolean;
  /** Every host again. */
  resync(): void;
  close(code: number, reason: string): void;
}

const OPEN = 1;

/**
 * [F9] The overview's stream: every host on connect, then a host whenever it changed, at most
 * once per host per FLEET_UPDATE_MS for everyone at once (the first change after a quiet second
 * goes at once; later ones in that second fold into one at its end).
 */
export class FleetStream {
  private readonly clients = new Set<Client>();
  private readonly sent = new Map<string, Sent>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(private readonly opts: FleetStreamOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get size(): number {
    return this.clients.size;
  }

  add(socket: FanoutSocket): FleetClient {
    const c: Client = { socket, lastSentAt: 0, windowStart: 0, messagesInWindow: 0 };
    this.clients.add(c);
    const hello = () => {
      const at = this.now();
      this.send(c, JSON.stringify({ type: 'hosts', at, hosts: this.opts.hosts() }), at);
    };
    hello();
    const close = (code: number, reason: string) => {
      this.clients.delete(c);
      socket.close(code, reason);
    };
    return {
      admit: () => {
        const at = this.now();
        if (at - c.windowStart >= CLIENT_MESSAGE_WINDOW_MS) {
          c.windowStart = at;
          c.messagesInWindow = 0;
        }
        if (++c.messagesInWindow <= CLIENT_MESSAGE_LIMIT) return true;
        if (this.clients.has(c)) close(CloseCode.PolicyViolation, 'too many messages');
        return false;
      },
      resync: hello,
      close,
    };
  }

  remove(socket: FanoutSocket): void {
    for (const c of this.clients) if (c.socket === socket) this.clients.delete(c);
  }

  /** A host may have changed: send it now, or at the end of its second. */
  changed(host: FleetHost): void {
    const last = this.sent.get(host.id);
    if (last && !fleetHostChanged(last.host, host)) return;
    if (this.pending.has(host.id)) return;
    const now = this.now();
    const wait = last ? last.at + (this.opts.updateMs ?? FLEET_UPDATE_MS) - now : 0;
    if (wait <= 0) {
      this.flush(host);
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(host.id);
      // A timer may fire a millisecond before the clock says the second is over: changed()
      // measures again and waits for the rest rather than send early.
      const current = this.opts.host(host.id);
      if (current) this.changed(current);
    }, wait);
    this.pending.set(host.id, timer);
  }

  removed(id: string): void {
    const timer = this.pending.get(id);
    if (timer) clearTimeout(timer);
    this.pending.delete(id);
    this.sent.delete(id);
    this.broadcast({ type: 'host-removed', at: this.now(), id });
  }

  private flush(host: FleetHost): void {
    const at = this.now();
    this.sent.set(host.id, { host, at });
    this.broadcast({ type: 'host', at, host });
  }

  private broadcast(msg: FleetMessage): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(msg);
    for (const c of this.clients) this.send(c, text, msg.at);
  }

  private send(c: Client, text: string, at: number): void {
    if (c.socket.readyState !== OPEN) return;
    if (c.socket.bufferedAmount > HIGH_WATER_BYTES) {
      // A few hundred bytes a host a second: a socket this far behind is not being read.
      this.clients.delete(c);
      c.socket.close(CloseCode.TryAgainLater, 'client too slow to keep up');
      return;
    }
    c.socket.send(text);
    c.lastSentAt = at;
  }

  /** Heartbeats to clients that heard nothing for a while. */
  tick(): void {
    const now = this.now();
    const every = this.opts.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
    for (const c of this.clients) {
      if (now - c.lastSentAt >= every)
        this.send(c, JSON.stringify({ type: 'heartbeat', at: now }), now);
    }
  }

  close(code: number, reason: string): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const c of this.clients) c.socket.close(code, reason);
    this.clients.clear();
  }
}
