// @vitest-environment node
// The API reads against a real HTTP server on 127.0.0.1: what a read does when the page lets go
// of it (a selection changed) while its answer is still coming in.
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchProcess } from '../src/net/api.js';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe('an API read', () => {
  it('aborted while its answer comes in rejects as aborted, and never resolves to nothing', async () => {
    const asked: IncomingMessage[] = [];
    // Headers and the start of a body, then nothing more until the client lets go.
    const server = createServer((req, res) => {
      asked.push(req);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"process":');
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const ctl = new AbortController();
    const read = fetchProcess(4242, ctl.signal, `http://127.0.0.1:${port}/api/v1`);
    const outcome = read.then(
      (value) => ({ value }),
      (err: unknown) => ({ err }),
    );
    // The headers are in once the server wrote them: the read is in the body now.
    while (asked.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(asked[0]?.url).toBe('/api/v1/processes/4242');
    await new Promise((r) => setTimeout(r, 50));
    ctl.abort();
    const got = await outcome;
    expect(got).not.toHaveProperty('value');
    expect((got as { err: Error }).err.name).toBe('AbortError');
  });
});
