import type { ServerMessage } from '@pidscope/protocol';
import type { WebSocket } from 'ws';
import { waitFor } from './app.js';

/** Records every message and the close of a client WebSocket, for polling assertions. */
export class Recorder {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;

  attach(ws: WebSocket): void {
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as ServerMessage));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
  }

  /** Waits for the first message (from index `from`) that matches. */
  next<T extends ServerMessage>(
    match: (m: ServerMessage) => m is T,
    what: string,
    from = 0,
    timeoutMs = 15_000,
  ): Promise<T> {
    return waitFor(() => this.messages.slice(from).find(match) as T | undefined, what, timeoutMs);
  }

  waitClosed(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed ?? undefined, 'the socket to close', timeoutMs);
  }
}

export const isType =
  <K extends ServerMessage['type']>(type: K) =>
  (m: ServerMessage): m is Extract<ServerMessage, { type: K }> =>
    m.type === type;
