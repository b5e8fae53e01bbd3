import { type Hello, type Patch, PROTOCOL_VERSION, type State } from '@pidscope/protocol';
import type { SocketLike } from '../src/net/connection.js';

/** A WebSocket stand-in the tests drive by hand: open it, push server messages, close it. */
export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: unknown[] = [];
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  static reset(): void {
    FakeSocket.all = [];
  }

  static last(): FakeSocket {
    const s = FakeSocket.all[FakeSocket.all.length - 1];
    if (!s) throw new Error('no socket opened');
    return s;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closed = true;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  push(msg: unknown): void {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  }

  serverClose(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

export const factory = (url: string) => new FakeSocket(url);

export function hello(over: Partial<Hello> = {}): Hello {
  return {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    hostname: 'testhost',
    kernel: '6.18.0',
    agentVersion: '0.1.0',
    capabilities: [],
    docker: { available: true, reason: null, version: '20.10.24' },
    readOnly: false,
    intervalMs: 1000,
    ...over,
  };
}

export function emptyPatch(baseSeq: number, over: Partial<Patch> = {}): Patch {
  return {
    type: 'patch',
    seq: baseSeq + 1,
    baseSeq,
    added: [],
    updated: [],
    removed: [],
    containers: { upserted: [], removed: [] },
    events: [],
    ...over,
  };
}

export function snapshotOf(state: State) {
  return { type: 'snapshot' as const, seq: state.seq, state };
}
