import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Container, Process, ZombieAnalysis } from '@pidscope/protocol';
import Type from 'typebox';
import { AgentError } from '../../errors.js';

/** PID_MAX_LIMIT (include/linux/threads.h): no PID is ever larger. */
export const PID_LIMIT = 4_194_304;

export const PidParams = Type.Object({
  pid: Type.String({ description: 'host PID, a decimal integer from 1 to 4194304' }),
});

/** A PID from a URL: decimal digits only (no `1e3`, `0x10`, `1.0`), 1 to PID_LIMIT. */
export function parsePid(raw: string): number {
  const n = /^[1-9][0-9]{0,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n <= PID_LIMIT)) {
    throw new AgentError(
      'BAD_PID',
      `pid must be a decimal integer from 1 to 4194304, not ${JSON.stringify(raw.slice(0, 32))}`,
    );
  }
  return n;
}

export const ProcessDetails = Type.Object({
  process: Process,
  parent: Type.Union([Process, Type.Null()]),
  children: Type.Array(Process),
  container: Type.Union([Container, Type.Null()]),
  /** Only for a zombie: why it is there and what clears it. */
  analysis: Type.Union([ZombieAnalysis, Type.Null()]),
});

const processes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/processes/:pid',
    { schema: { params: PidParams, response: { 200: ProcessDetails } } },
    async (req) => {
      const { model } = fastify;
      const pid = parsePid(req.params.pid);
      const p = model.findProcess(pid);
      if (!p) throw new AgentError('NO_SUCH_PROCESS', `no process with PID ${pid}`);
      return {
        process: p,
        parent: (p.ppid > 0 && model.findProcess(p.ppid)) || null,
        children: model.children(p),
        container: (p.containerId && model.container(p.containerId)) || null,
        analysis: model.zombieAnalysis(p.pid),
      };
    },
  );
};

export default processes;
