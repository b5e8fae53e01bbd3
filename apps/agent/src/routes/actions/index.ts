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
        const { signal, startTime } = req.body;
        const dryRun = req.query.dryRun ?? false;
        svc.note(req, { action: 'signal', dryRun, target: { pid, startTime }, signal });
        const out = await svc.actions.signal({ pid, startTime, signal, dryRun });
        svc.note(req, {
          outcome: dryRun ? `preview: ${out.preview.effect}` : out.message,
          detail: {
            comm: out.preview.comm,
            containerId: out.preview.containerId,
            effect: out.preview.effect,
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
