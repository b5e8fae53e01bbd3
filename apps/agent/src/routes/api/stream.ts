import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseClientMessage } from '@pidscope/protocol';
import { AgentError } from '../../errors.js';

/**
 * True when a browser page from another site opened the socket: its Origin names another host
 * than the one it connected to. A WebSocket is not covered by CORS, so without this any web page
 * could read the host's process list through the visitor's browser.
 */
export function isCrossSiteOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

const stream: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/stream',
    {
      websocket: true,
      preValidation: async (req) => {
        if (isCrossSiteOrigin(req.headers.origin, req.headers.host)) {
          throw new AgentError(
            'PIDSCOPE_ERR_CROSS_SITE',
            403,
            `WebSocket from origin ${JSON.stringify(req.headers.origin)} refused: it is not this agent's site`,
          );
        }
      },
    },
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
