import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildTestApp, waitFor } from './app.js';
import { tempDir } from './tempDir.js';

/**
 * A unix socket that forwards to the real Docker daemon and can be closed and reopened: a daemon
 * that goes away and comes back, without touching the dockerd other tests share.
 */
export class DockerProxy {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();

  constructor(
    readonly path: string,
    readonly target = '/var/run/docker.sock',
  ) {}

  async open(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.#sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(this.path, resolve),
    );
    this.#server = server;
  }

  /** Stops accepting and cuts every open connection, like a daemon that stopped. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}

const proxies = new Set<DockerProxy>();
afterEach(async () => {
  const open = [...proxies];
  proxies.clear();
  await Promise.all(open.map((p) => p.close()));
});

/**
 * An agent whose Docker is a DockerProxy in front of the real daemon, once it is connected; the
 * proxy is closed after the current test.
 */
export async function appBehindProxy(): Promise<{ app: FastifyInstance; proxy: DockerProxy }> {
  const proxy = new DockerProxy(join(tempDir('pidscope-proxy-'), 'docker.sock'));
  proxies.add(proxy);
  await proxy.open();
  const app = await buildTestApp({ argv: ['--docker-host', `unix://${proxy.path}`] });
  await waitFor(() => app.docker.status().available, 'Docker through the proxy');
  return { app, proxy };
}
