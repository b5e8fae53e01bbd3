import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pidfdSupport } from '@pidscope/procfs';
import { HealthResponse } from '@pidscope/protocol';

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/healthz', { schema: { response: { 200: HealthResponse } } }, async () => {
    const { model } = fastify;
    const last = model.lastSample();
    const stale = !last || Date.now() - last.at > 3 * model.refreshEveryMs() + 5000;
    const recording = fastify.history.status();
    const { source } = model.sourceStats();
    const pidfd = pidfdSupport();
    return {
      status: stale || recording.state !== 'recording' ? ('degraded' as const) : ('ok' as const),
      seq: model.state().seq,
      lastScanAt: last?.at ?? null,
      docker: fastify.docker.status(),
      recording,
      source: source.kind,
      sourceReason: source.reason,
      signals: pidfd.available ? ('pidfd' as const) : ('kill' as const),
      signalsReason: pidfd.reason,
    };
  });
};

export default health;
