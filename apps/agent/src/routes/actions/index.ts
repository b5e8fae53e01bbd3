import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import {
  AuditAnswer,
  AuditQuery,
  DryRunQuery,
  PidParams,
  ReapAnswer,
  ReapRequest,
  SignalAnswer,
  SignalRequest,
} from '@pidscope/protocol';
import { AgentError } from '../../errors.js';

/**
 * POST /api/v1/processes/:pid/signal and /reap, GET /api/v1/audit. Signal and reap are refused in
 * read-only mode and every answer of theirs is audited.
 */
const actionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const svc = fastify.actionService;

  await fastify.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    svc.actionScope(scope, 'signal');

    scope.post(
      '/api/v1/processes/:pid/signal',
      {
        schema: {
          params: PidParams,
          querystring: DryRunQuery,
          body: SignalRequest,
          response: { 200: SignalAnswer },
        },
      },
      async (req) => {
        const { pid } = req.params;
        const dryRun = req.query.dryRun ?? false;
        const { signal, startTime, subtree, order } = req.body;
        svc.note(req, { action: 'signal', dryRun, target: { pid, startTime }, signal });
        const out = await svc.actions.signal({ ...req.body, pid, dryRun }).catch((err: unknown) => {
          // A refused subtree: its line names every member that stopped it.
          const refused = err instanceof AgentError ? err.detail?.refused : undefined;
          if (refused) svc.note(req, { detail: { subtree: true, order, refused } });
          throw err;
        });
        const members = out.subtree?.members.map((m) => ({
          pid: m.pid,
          startTime: m.startTime,
          comm: m.comm,
          result: m.result,
        }));
        svc.note(req, {
          outcome: dryRun
            ? `preview: ${out.subtree ? `subtree of ${out.subtree.counts.members}, ` : ''}${out.preview.effect}`
            : out.message,
          detail: {
            comm: out.preview.comm,
            containerId: out.preview.containerId,
            effect: out.preview.effect,
            ...(subtree ? { subtree: true, order: out.subtree?.order, members } : {}),
          },
        });
        return out;
      },
    );

    scope.post(
      '/api/v1/processes/:pid/reap',
      {
        schema: {
          params: PidParams,
          querystring: DryRunQuery,
          body: ReapRequest,
          response: { 200: ReapAnswer },
        },
      },
      async (req) => {
        const { pid } = req.params;
        const { startTime, signal = 'SIGTERM', restartContainer = false } = req.body;
        const dryRun = req.query.dryRun ?? false;
        svc.note(req, { action: 'reap', dryRun, target: { pid, startTime } });
        const out = await svc.actions.reap({ pid, startTime, dryRun, restartContainer, signal });
        svc.note(req, {
          signal: out.signal,
          outcome: dryRun ? `preview: ${out.plan}` : out.message,
          detail: { plan: out.plan, parent: out.parent, container: out.container },
        });
        return out;
      },
    );
  });

  fastify.get(
    '/api/v1/audit',
    { schema: { querystring: AuditQuery, response: { 200: AuditAnswer } } },
    async (req) => ({
      entries: await svc.audit.tail(req.query.limit ?? 200),
      refused: svc.audit.refusals(),
    }),
  );
};

export default actionRoutes;
