import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  FleetContainersQuery,
  FleetContainersResponse,
  FleetEventsQuery,
  FleetEventsResponse,
  FleetZombiesResponse,
  parseClientMessage,
} from '@pidscope/protocol';

/** The fleet-wide answers ([F6]–[F8]) and the overview's stream ([F9]). */
const fleetRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { fleet, fleetStream } = fastify.hub;

  fastify.get(
    '/api/v1/fleet/zombies',
    { schema: { response: { 200: FleetZombiesResponse } } },
    async () => {
      const { items, unavailable } = fleet.zombies();
      return { now: Date.now(), zombies: items, unavailable };
    },
  );

  fastify.get(
    '/api/v1/fleet/containers',
    { schema: { querystring: FleetContainersQuery, response: { 200: FleetContainersResponse } } },
    async () => {
      const { items, unavailable } = fleet.containers();
      return { now: Date.now(), containers: items, unavailable };
    },
  );

  fastify.get(
    '/api/v1/fleet/events',
    { schema: { querystring: FleetEventsQuery, response: { 200: FleetEventsResponse } } },
    async (req) => {
      const { items, unavailable } = fleet.events(req.query.since ?? 0);
      return { now: Date.now(), events: items, unavailable };
    },
  );

  fastify.get('/api/v1/fleet/stream', { websocket: true }, (socket) => {
    // Attached before anything async, or early client messages would be lost.
    socket.on('close', () => fleetStream.remove(socket));
    const client = fleetStream.add(socket);
    socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
      if (!client.admit()) return;
      const result = parseClientMessage(raw);
      if (!result.ok) client.close(result.code, result.reason);
      else client.resync();
    });
  });
};

export default fleetRoutes;
