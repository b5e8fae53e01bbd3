import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthResponse } from '@pidscope/protocol';

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/healthz', { schema: { response: { 200: HealthResponse } } }, async () => {
    const last = fastify.model.lastSample();
    const stale = !last || Date.now() - last.at > 3 * fastify.config.intervalMs + 5000;
    const recording = fastify.history.status();
    return {
      status: stale || recording.state !== 'recording' ? ('degraded' as const) : ('ok' as const),
      seq: fastify.model.state().seq,
      lastScanAt: last?.at ?? null,
      docker: fastify.docker.status(),
      recording,
    };
  });
};

export default health;
