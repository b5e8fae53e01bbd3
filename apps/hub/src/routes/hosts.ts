import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HostsResponse } from '@pidscope/protocol';

/** GET /api/v1/hosts: every agent discovery found, with its status and summary. */
const hosts: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/api/v1/hosts', { schema: { response: { 200: HostsResponse } } }, async () => {
    const { fleet, discovery } = fastify.hub;
    return {
      now: Date.now(),
      hosts: fleet.list().map((u) => u.info()),
      discovery: discovery.status(),
    };
  });
};

export default hosts;
