import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Container, DockerStatus } from '@pidscope/protocol';
import Type from 'typebox';

export const ContainersResponse = Type.Object({
  docker: DockerStatus,
  containers: Type.Array(Container),
});

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
