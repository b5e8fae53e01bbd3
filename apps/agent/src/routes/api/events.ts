import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Event } from '@pidscope/protocol';
import Type from 'typebox';

export const EventsQuery = Type.Object(
  {
    since: Type.Optional(
      Type.Integer({ minimum: 0, description: 'ms since epoch; events at or after it' }),
    ),
  },
  { additionalProperties: false },
);

export const EventsResponse = Type.Object({
  /** The agent's clock, to pass as `since` next time. */
  now: Type.Number(),
  events: Type.Array(Event),
});

const events: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/events',
    { schema: { querystring: EventsQuery, response: { 200: EventsResponse } } },
    async (req) => ({ now: Date.now(), events: fastify.model.events(req.query.since ?? 0) }),
  );
};

export default events;
