import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseClientMessage } from '@pidscope/protocol';

const stream: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/stream',
    // Who may open it (token or session, same origin) is settled before the upgrade by the
    // session plugin.
    { websocket: true },
    (socket) => {
      const client = fastify.stream.connect(socket);
      // Attached before anything async, or early client messages would be lost.
      socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
        const result = parseClientMessage(raw);
        if (!result.ok) {
          client.close(result.code, result.reason);
          return;
        }
        if (result.message.type === 'resync') client.resync();
      });
      client.start();
    },
  );
};

export default stream;
