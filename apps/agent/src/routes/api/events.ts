import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DEFAULT_EVENTS_LIMIT,
  EventsAnswer,
  EventsQuery,
  parseEventTypes,
} from '@pidscope/protocol';
import { AgentError } from '../../errors.js';

/** Events from the recorded history across restarts, newest `limit` ([H5]). */
const events: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/v1/events',
    { schema: { querystring: EventsQuery, response: { 200: EventsAnswer } } },
    async (req) => {
      const q = req.query;
      let types: ReturnType<typeof parseEventTypes> | null = null;
      if (q.type !== undefined) {
        types = parseEventTypes(q.type);
        if ('unknown' in types) {
          throw new AgentError(
            'BAD_QUERY',
            `unknown event type(s): ${types.unknown.join(', ').slice(0, 100)}`,
          );
        }
      }
      if (q.since !== undefined && q.until !== undefined && q.since > q.until) {
        throw new AgentError('BAD_QUERY', `since (${q.since}) is after until (${q.until})`);
      }
      const now = Date.now();
      return {
        now,
        ...fastify.history.events({
          since: q.since,
          until: q.until,
          types: types?.types,
          containerId: q.containerId,
          limit: q.limit ?? DEFAULT_EVENTS_LIMIT,
        }),
      };
    },
  );
};

export default events;
