import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { ClientOptions } from 'ws';
import type { AgentTarget } from '../discovery/sources.js';

/** How the hub reaches one agent: its address, the name it is verified as, its credentials. */
export interface AgentEndpoint {
  readonly target: AgentTarget;
  /** Bearer token presented to the agent (PIDSCOPE_AGENT_TOKEN). */
  readonly token: string | null;
  /** PEM CA the agent's certificate is verified against (PIDSCOPE_AGENT_CA). */
  readonly ca: string | null;
}

/** An HTTP(S) client for one agent: keep-alive connections, TLS verified against the CA. */
export interface AgentClient {
  readonly streamUrl: string;
  /** Options for the `ws` client of the stream. */
  wsOptions(extra: ClientOptions): ClientOptions;
  /** Sends a request; resolves with the response (its body not read yet). */
  request(init: {
    method: string;
    path: string;
    headers?: OutgoingHttpHeaders;
    body?: Buffer | null;
    timeoutMs: number;
  }): Promise<IncomingMessage>;
  /** GETs JSON, or throws saying what went wrong. */
  json<T>(path: string, timeoutMs: number): Promise<T>;
  close(): void;
}

export function createAgentClient(endpoint: AgentEndpoint): AgentClient {
  const url = new URL(endpoint.target.url);
  const secure = url.protocol === 'https:';
  const port = Number(url.port);
  const address = url.hostname.replace(/^\[|\]$/g, '');
  const name = endpoint.target.name;
  // The Host header and TLS name: a DNS entry's name, else the URL's host.
  const hostHeader = name ? `${name}:${port}` : url.host;
  const servername = name ?? (isIP(address) ? undefined : address);
  const tls = secure ? { ca: endpoint.ca ?? undefined, ...(servername ? { servername } : {}) } : {};
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 8, ...tls })
    : new http.Agent({ keepAlive: true, maxSockets: 8 });
  const auth: Record<string, string> = endpoint.token
    ? { authorization: `Bearer ${endpoint.token}` }
    : {};

  const request: AgentClient['request'] = (init) =>
    new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          agent,
          host: address,
          port,
          method: init.method,
          path: init.path,
          headers: { ...init.headers, ...auth, host: hostHeader },
          ...tls,
        },
        resolve,
      );
      req.setTimeout(init.timeoutMs, () =>
        req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(init.body ?? undefined);
    });

  return {
    streamUrl: `${secure ? 'wss' : 'ws'}://${url.host}/api/v1/stream`,
    wsOptions: (extra) => ({
      ...extra,
      ...tls,
      headers: { ...auth, host: hostHeader },
    }),
    request,
    async json<T>(path: string, timeoutMs: number): Promise<T> {
      const res = await request({ method: 'GET', path, timeoutMs });
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      if ((res.statusCode ?? 0) >= 400) {
        throw new Error(`GET ${path} answered ${res.statusCode}: ${text.slice(0, 200)}`);
      }
      return JSON.parse(text) as T;
    },
    close: () => agent.destroy(),
  };
}
