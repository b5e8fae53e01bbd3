import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDemoName } from '../../demos/catalog.js';
import { AgentError } from '../../errors.js';
import { observe } from '../../plugins/demos.js';

/**
 * GET /api/v1/demos (the catalogue and what runs), POST /api/v1/demos/:name (token) and
 * DELETE /api/v1/demos/:id (token). Starting and stopping are actions: audited, refused read-only.
 */
export default async function demoRoutes(fastify: FastifyInstance): Promise<void> {
  const svc = fastify.actionService;
  const demos = fastify.demos;

  fastify.get('/api/v1/demos', async () => {
    const running = demos.running().map((d) => ({ ...d, observed: observe(fastify, d) }));
    return {
      /** Server clock, so a UI can time the steps whatever its own clock says. */
      now: Date.now(),
      docker: fastify.docker.status(),
      readOnly: fastify.config.readOnly,
      demos: demos.catalog().map((info) => ({
        ...info,
        running: running.filter((r) => r.name === info.name),
      })),
    };
  });

  await fastify.register(async (scope) => {
    scope.addHook('onRequest', svc.requireWritable);
    svc.auditRoutes(scope, 'demo');

    scope.post('/api/v1/demos/:name', async (req: FastifyRequest) => {
      const { name } = req.params as { name: string };
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
    });

    scope.delete('/api/v1/demos/:id', async (req: FastifyRequest) => {
      const { id } = req.params as { id: string };
      const d = demos.get(id);
      svc.note(req, { action: 'demo-stop', target: null, detail: { id, demo: d?.name ?? null } });
      if (!d || !(await demos.stop(id))) {
        throw new AgentError('NO_SUCH_DEMO', `no running demo ${JSON.stringify(id)}`);
      }
      svc.note(req, { outcome: `stopped ${d.name} ${id}` });
      return { id, name: d.name, stopped: true };
    });
  });
}
