import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ContainersResponse } from '@pidscope/protocol';

const containers: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/containers',
    { schema: { response: { 200: ContainersResponse } } },
    async () => {
      const state = fastify.model.state();
      return { docker: state.docker, containers: state.containers };
    },
  );
};

export default containers;
