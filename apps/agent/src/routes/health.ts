import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DockerStatus, RecordingStatus } from '@pidscope/protocol';
import Type from 'typebox';

export const HealthResponse = Type.Object({
  /** "degraded" when no scan has succeeded for three intervals, or history is not recording. */
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  seq: Type.Integer({ minimum: 0 }),
  lastScanAt: Type.Union([Type.Number(), Type.Null()]),
  docker: DockerStatus,
  /** Whether history is recording; paused (a full disk) or off says why. */
  recording: RecordingStatus,
});

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
