import type { FastifyInstance } from 'fastify';

/** Liveness without the token: the hub answers, and how many hosts are in each status. */
export default async function health(fastify: FastifyInstance): Promise<void> {
  fastify.get('/healthz', async () => {
    const hosts = { up: 0, down: 0, connecting: 0 };
    for (const u of fastify.hub.fleet.list()) hosts[u.info().status]++;
    return { status: 'ok', mode: 'hub', hosts };
  });
}
