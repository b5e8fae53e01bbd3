import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { State } from '@pidscope/protocol';

const snapshot: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/api/v1/snapshot', { schema: { response: { 200: State } } }, async () =>
    fastify.model.state(),
  );
};

export default snapshot;
