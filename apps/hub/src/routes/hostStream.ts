import { parseClientMessage } from '@pidscope/protocol';
import type { FastifyInstance } from 'fastify';
import { Errors } from '../errors.js';

/**
 * [F10] GET /api/v1/hosts/:id/stream: the agent's stream as the hub holds it. Browsers never
 * reach the agent: however many watch a host, the hub keeps one stream to it.
 */
export default async function hostStream(fastify: FastifyInstance): Promise<void> {
  const { fleet } = fastify.hub;
  fastify.get(
    '/api/v1/hosts/:id/stream',
    {
      websocket: true,
      // Who may open it (token or session, same origin) is settled before the upgrade by the
      // session plugin.
      preValidation: async (req) => {
        const { id } = req.params as { id: string };
        const upstream = fleet.get(id);
        if (!upstream) throw Errors.hostNotFound(id);
        const info = upstream.info();
        if (info.status !== 'up') throw Errors.hostNotUp(id, info.status, info.error);
      },
    },
    (socket, req) => {
      const { id } = req.params as { id: string };
      const upstream = fleet.get(id);
      if (!upstream?.isUp) {
        socket.close(1013, `host ${id} is not up`);
        return;
      }
      const client = upstream.fanout.add(socket);
      socket.on('close', () => upstream.fanout.remove(socket));
      // Attached before anything async, or early client messages would be lost.
      socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
        if (!client.admit()) return;
        const result = parseClientMessage(raw);
        if (!result.ok) client.close(result.code, result.reason);
        else if (result.message.type === 'resync') client.resync();
      });
      client.start();
    },
  );
}
