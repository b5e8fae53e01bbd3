import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readPidStatus, readPidTasks } from '@pidscope/procfs';
import { PidParams, ThreadsAnswer, ThreadsQuery } from '@pidscope/protocol';
import { AgentError } from '../../errors.js';
import { ThreadCpu } from '../../model/threadCpu.js';

/** How long the first question about a process waits between two reads of its threads' CPU. */
export const FIRST_READ_GAP_MS = 250;

/**
 * GET /api/v1/processes/:pid/threads?startTime= ([S8]): the threads of one process, read from
 * /proc when asked. A thread's TID is no process: asking with one is answered 404.
 */
const threads: FastifyPluginAsyncTypebox = async (fastify) => {
  const cpu = new ThreadCpu();
  const { procRoot } = fastify.config;
  fastify.get(
    '/api/v1/processes/:pid/threads',
    { schema: { params: PidParams, querystring: ThreadsQuery, response: { 200: ThreadsAnswer } } },
    async (req) => {
      const { pid } = req.params;
      const { startTime } = req.query;
      const gone = () => new AgentError('NO_SUCH_PROCESS', `no process with PID ${pid}`);
      const status = readPidStatus(pid, procRoot);
      if (!status || status.tgid !== pid) throw gone();
      let tasks = readPidTasks(pid, procRoot);
      const leader = tasks?.find((t) => t.tid === pid);
      if (!tasks || !leader) throw gone();
      if (leader.startTime !== startTime) {
        throw new AgentError(
          'STALE_START_TIME',
          `PID ${pid} now belongs to another process (start time ${leader.startTime})`,
          { currentStartTime: leader.startTime },
        );
      }
      if (!cpu.knows(tasks)) {
        // A first look has nothing to time against: read again a moment later.
        cpu.take(tasks, performance.now());
        await sleep(FIRST_READ_GAP_MS);
        tasks = readPidTasks(pid, procRoot) ?? [];
      }
      const used = cpu.take(tasks, performance.now());
      return {
        pid,
        startTime,
        at: Date.now(),
        threads: tasks.map((t) => ({
          tid: t.tid,
          nsTid: t.nsTids.length > 1 ? (t.nsTids.at(-1) as number) : null,
          comm: t.comm,
          state: t.state,
          cpu: used.get(t.tid) ?? 0,
        })),
      };
    },
  );
};

export default threads;
