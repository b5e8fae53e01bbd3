import type { DockerStatus } from '@pidscope/protocol';
import type Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DockerWatcher } from '../docker/dockerWatcher.js';
import type { DockerContainer } from '../model/containers.js';

export interface DockerService {
  /** A dockerode client for the configured daemon; calls fail while the daemon is away. */
  client: Docker | null;
  status(): DockerStatus;
  /** Last known containers, from `docker ps` + `docker inspect`, kept current by Docker's events. */
  containers(): ReadonlyMap<string, DockerContainer>;
  onChange(listener: () => void): () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    docker: DockerService;
  }
}

/** How long the first connection may hold up start-up, so the first snapshot has names. */
const FIRST_CONNECT_WAIT_MS = 3000;

export default fp(
  async function dockerPlugin(fastify: FastifyInstance) {
    const watcher = new DockerWatcher(fastify.config.docker);
    const service: DockerService = {
      client: watcher.client,
      status: () => watcher.status(),
      containers: () => watcher.containers(),
      onChange: (l) => watcher.onChange(l),
    };
    fastify.decorate('docker', service);
    fastify.addHook('onClose', async () => watcher.close());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      watcher.start(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FIRST_CONNECT_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    const s = watcher.status();
    if (s.available) fastify.log.info(`docker ${s.version} connected`);
    else fastify.log.warn(`docker unavailable (${s.reason}); serving the host view, retrying`);
  },
  { name: 'pidscope-docker', dependencies: ['pidscope-config'] },
);
