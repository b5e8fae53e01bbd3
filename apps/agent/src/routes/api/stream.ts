import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseClientMessage } from '@pidscope/protocol';
import { AgentError } from '../../errors.js';

const stream: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.route({
    method: 'GET',
    url: '/api/v1/stream',
    // A plain GET (no upgrade) gets the API's JSON error, not an empty 404.
    handler: async () => {
      throw new AgentError(
        'UPGRADE_REQUIRED',
        '/api/v1/stream is a WebSocket: open it with an Upgrade: websocket request',
      );
    },
    // Who may open it (token or session, same origin) is settled before the upgrade by the
    // session plugin.
    wsHandler: (socket) => {
      const client = fastify.stream.connect(socket);
      // Attached before anything async, or early client messages would be lost.
      socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
        if (!client.admit()) return;
        const result = parseClientMessage(raw);
        if (!result.ok) {
          client.close(result.code, result.reason);
          return;
        }
        if (result.message.type === 'resync') client.resync();
      });
      client.start();
    },
  });
};

export default stream;
