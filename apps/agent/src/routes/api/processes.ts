import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { kernelWorkerName, readPidStat } from '@pidscope/procfs';
import { PidParams, ProcessDetails } from '@pidscope/protocol';
import { AgentError } from '../../errors.js';

const processes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/processes/:pid',
    { schema: { params: PidParams, response: { 200: ProcessDetails } } },
    async (req) => {
      const { model } = fastify;
      const { pid } = req.params;
      const p = model.findProcess(pid);
      if (!p) throw new AgentError('NO_SUCH_PROCESS', `no process with PID ${pid}`);
      return {
        process: p,
        parent: (p.ppid > 0 && model.findProcess(p.ppid)) || null,
        children: model.children(p),
        container: (p.containerId && model.container(p.containerId)) || null,
        analysis: model.zombieAnalysis(p.pid),
        workqueue: p.kernelThread ? workqueueOf(p.pid, p.startTime, fastify.config.procRoot) : null,
      };
    },
  );
};

/** The workqueue a kernel worker serves now; null when it serves none or is gone (or reused). */
function workqueueOf(pid: number, startTime: number, procRoot: string): string | null {
  const stat = readPidStat(pid, procRoot);
  if (!stat || stat.startTime !== startTime) return null;
  return kernelWorkerName(stat.comm).workqueue;
}

export default processes;
