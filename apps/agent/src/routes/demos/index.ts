import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import { DemoIdParams, DemoList, DemoNameParams, DemoRun, DemoStopped } from '@pidscope/protocol';
import { isDemoName } from '../../demos/catalog.js';
import { AgentError } from '../../errors.js';
import { observe } from '../../plugins/demos.js';

/**
 * GET /api/v1/demos (the catalogue and what runs), POST /api/v1/demos/:name and
 * DELETE /api/v1/demos/:id. Starting and stopping are actions: audited, refused read-only.
 */
const demoRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const svc = fastify.actionService;
  const demos = fastify.demos;

  fastify.get('/api/v1/demos', { schema: { response: { 200: DemoList } } }, async () => {
    const running = demos.running().map((d) => ({ ...d, observed: observe(fastify, d) }));
    return {
      now: Date.now(),
      docker: fastify.docker.status(),
      readOnly: fastify.config.readOnly,
      demos: demos.catalog().map((info) => ({
        ...info,
        running: running.filter((r) => r.name === info.name),
      })),
    };
  });

  await fastify.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    svc.actionScope(scope, 'demo');

    scope.post(
      '/api/v1/demos/:name',
      { schema: { params: DemoNameParams, response: { 200: DemoRun } } },
      async (req) => {
        const { name } = req.params;
        svc.note(req, { action: 'demo-start', target: null, detail: { demo: name } });
        if (!isDemoName(name)) {
          throw new AgentError('NO_SUCH_DEMO', `no demo ${JSON.stringify(name)}`);
        }
        const d = await demos.start(name);
        svc.note(req, {
          outcome: `started ${d.name} ${d.id}`,
          detail: { demo: name, id: d.id, containers: d.containers.map((c) => c.id), pids: d.pids },
        });
        return d;
      },
    );

    scope.delete(
      '/api/v1/demos/:id',
      { schema: { params: DemoIdParams, response: { 200: DemoStopped } } },
      async (req) => {
        const { id } = req.params;
        const d = demos.get(id);
        svc.note(req, { action: 'demo-stop', target: null, detail: { id, demo: d?.name ?? null } });
        if (!d || !(await demos.stop(id))) {
          throw new AgentError('NO_SUCH_DEMO', `no running demo ${JSON.stringify(id)}`);
        }
        svc.note(req, { outcome: `stopped ${d.name} ${id}` });
        return { id, name: d.name, stopped: true as const };
      },
    );
  });
};

export default demoRoutes;
