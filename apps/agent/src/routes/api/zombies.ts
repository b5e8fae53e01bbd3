import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ZombieLeaders, ZombieLeadersQuery } from '@pidscope/protocol';

/** Who leaks zombies ([H9] in the protocol's SPEC.md). */
const zombies: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/zombies/leaders',
    { schema: { querystring: ZombieLeadersQuery, response: { 200: ZombieLeaders } } },
    async (req) => fastify.history.leaders(req.query.window ?? '1h'),
  );
};

export default zombies;
