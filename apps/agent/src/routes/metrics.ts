import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readStat } from '@pidscope/procfs';
import { negotiateFormat } from '../metrics/negotiate.js';
import { createMetricsRegistries } from '../metrics/registries.js';
import { EventTally } from '../metrics/tally.js';
import { AGENT_VERSION } from '../version.js';

/** GET /metrics: Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the scraper asks for it. */
const metrics: FastifyPluginAsyncTypebox = async (fastify) => {
  const { model, stream, docker, config } = fastify;

  const tally = new EventTally();
  const unsubscribe = model.onTick((tick) => tally.observe(tick.events));
  fastify.addHook('onClose', async () => unsubscribe());

  let forksError: string | null = null;
  const forks = () => {
    try {
      const { processes } = readStat(config.procRoot);
      forksError = null;
      return processes;
    } catch (err) {
      // Logged once per distinct failure, not on every scrape.
      if ((err as Error).message !== forksError) {
        forksError = (err as Error).message;
        fastify.log.warn({ err }, 'reading forks for /metrics failed');
      }
      return null;
    }
  };

  const registries = createMetricsRegistries({
    state: () => model.state(),
    scanStats: () => model.scanStats(),
    sourceStats: () => model.sourceStats(),
    streamClients: () => stream.clients(),
    dockerUp: () => docker.status().available,
    forks,
    tally,
    version: AGENT_VERSION,
    now: () => Date.now(),
  });

  fastify.get('/metrics', async (req, reply) => {
    const format = negotiateFormat(req.headers.accept);
    const text = await registries.render(format);
    // The answer depends on Accept: caches must not serve one format for the other.
    return reply.header('vary', 'Accept').type(registries.contentType(format)).send(text);
  });
};

export default metrics;
