import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Container, Process, ZombieAnalysis } from '@pidscope/protocol';
import Type from 'typebox';
import { Errors } from '../../errors.js';

/** PID_MAX_LIMIT (include/linux/threads.h): no PID is ever larger. */
export const PID_LIMIT = 4_194_304;

export const PidParams = Type.Object({
  pid: Type.Integer({ minimum: 1, maximum: PID_LIMIT, description: 'host PID' }),
});

export const ProcessDetails = Type.Object({
  process: Process,
  parent: Type.Union([Process, Type.Null()]),
  children: Type.Array(Process),
  container: Type.Union([Container, Type.Null()]),
  /** Only for a zombie: why it is there and what clears it. */
  zombie: Type.Union([ZombieAnalysis, Type.Null()]),
});

const processes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/processes/:pid',
    { schema: { params: PidParams, response: { 200: ProcessDetails } } },
    async (req) => {
      const { model } = fastify;
      const p = model.findProcess(req.params.pid);
      if (!p) throw Errors.processNotFound(req.params.pid);
      return {
        process: p,
        parent: (p.ppid > 0 && model.findProcess(p.ppid)) || null,
        children: model.children(p),
        container: (p.containerId && model.container(p.containerId)) || null,
        zombie: model.zombieAnalysis(p.pid),
      };
    },
  );
};

export default processes;
