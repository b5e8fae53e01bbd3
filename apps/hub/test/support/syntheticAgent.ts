// An agent that speaks the real protocol over a real socket, with a state the test (or the bench)
// sets: hello, snapshot, a patch per change (the protocol's own diff and fan-out), heartbeats,
// resync, and GET /api/v1/events. It can also misbehave: go silent, send garbage, restart.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  diff,
  type Event,
  Fanout,
  type Hello,
  isEmptyPatch,
  PROTOCOL_VERSION,
  parseClientMessage,
  type State,
} from '@pidscope/protocol';
import { WebSocketServer } from 'ws';

export interface SyntheticAgentOptions {
  hostname: string;
  state: State;
  /** Listen on this port (0: a free one); a restart keeps the port. */
  port?: number;
  host?: string;
  /** The Bearer token it requires, if any. */
  token?: string;
}

export class SyntheticAgent {
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private fanout: Fanout | null = null;
  private state: State;
  private readonly events: Event[] = [];
  private nextEventId = 1;
  private readonly sockets = new Set<Socket>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private frozen = false;
  /** Stream connections accepted since start, and resyncs asked for. */
  connections = 0;
  /** The Host header of the last stream request. */
  lastHostHeader: string | null = null;
  resyncs = 0;
  port = 0;

  constructor(private readonly opts: SyntheticAgentOptions) {
    this.state = opts.state;
    this.port = opts.port ?? 0;
  }

  get url(): string {
    return `http://${this.opts.host ?? '127.0.0.1'}:${this.port}`;
  }

  current(): State {
    return this.state;
  }

  private hello(): Hello {
    return {
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      hostname: this.opts.hostname,
      kernel: '6.18.0-synthetic',
      agentVersion: '0.1.0',
      capabilities: ['snapshot', 'patch', 'resync', 'events'],
      docker: this.state.docker,
      readOnly: false,
      intervalMs: 1000,
    };
  }

  private authorized(req: IncomingMessage): boolean {
    return !this.opts.token || req.headers.authorization === `Bearer ${this.opts.token}`;
  }

  private rest(req: IncomingMessage, res: ServerResponse): void {
    if (!this.authorized(req)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"statusCode":401}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/events') {
      const since = Number(url.searchParams.get('since') ?? 0);
      const body = { now: Date.now(), events: this.events.filter((e) => e.at >= since) };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (url.pathname === '/api/v1/snapshot') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.state));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404}');
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.rest(req, res));
    server.on('connection', (s) => {
      if (this.frozen) s.pause();
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const wss = new WebSocketServer({ noServer: true });
    const fanout = new Fanout({
      hello: () => JSON.stringify(this.hello()),
      snapshot: () => ({
        seq: this.state.seq,
        text: JSON.stringify({ type: 'snapshot', seq: this.state.seq, state: this.state }),
      }),
      seq: () => this.state.seq,
    });
    server.on('upgrade', (req, socket, head) => {
      this.lastHostHeader = req.headers.host ?? null;
      // Hung: the handshake is never answered.
      if (this.frozen) return;
      if (!this.authorized(req) || !req.url?.startsWith('/api/v1/stream')) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.connections++;
        const client = fanout.add(ws);
        ws.on('close', () => fanout.remove(ws));
        ws.on('message', (raw: Buffer) => {
          const result = parseClientMessage(raw);
          if (result.ok && result.message.type === 'resync') {
            this.resyncs++;
            client.resync();
          }
        });
        client.start();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    this.wss = wss;
    this.fanout = fanout;
    this.heartbeatTimer = setInterval(() => fanout.tick(), 1000);
  }

  /** Moves to `next` (its seq must be higher) and sends the patch, with these events. */
  publish(next: State, events: Omit<Event, 'id'>[] = []): void {
    const stamped = events.map((e) => ({ ...e, id: this.nextEventId++ }) as Event);
    this.events.push(...stamped);
    const patch = diff(this.state, next, stamped);
    this.state = next;
    if (!isEmptyPatch(patch)) this.fanout?.publish(patch, () => JSON.stringify(patch));
  }

  /** Sends a patch whose base is not the state clients hold, as a confused agent would. */
  sendBadBase(next: State): void {
    const patch = { ...diff(this.state, next), baseSeq: this.state.seq + 1000 };
    this.state = next;
    for (const ws of this.wss?.clients ?? []) ws.send(JSON.stringify(patch));
  }

  /** Text that is no protocol message at all. */
  sendGarbage(text = 'this is not json {'): void {
    for (const ws of this.wss?.clients ?? []) ws.send(text);
  }

  /** Stops reading its sockets, new ones too: no pongs, no answers, as a hung process. */
  freeze(): void {
    this.frozen = true;
    for (const s of this.sockets) s.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const s of this.sockets) s.resume();
  }

  async stop(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    for (const s of this.sockets) s.destroy();
    this.wss?.close();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops and starts again on the same port, its seq starting over at `state.seq`. */
  async restart(state: State): Promise<void> {
    await this.stop();
    this.state = state;
    await this.start();
  }
}
