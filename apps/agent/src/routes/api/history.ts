import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  HistoryDiff,
  HistoryDiffQuery,
  HistoryRange,
  HistorySeries,
  HistorySeriesQuery,
  HistoryState,
  HistoryStateQuery,
} from '@pidscope/protocol';

/** The recorded past ([H1]–[H6] in the protocol's SPEC.md). */
const history: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/api/v1/history', { schema: { response: { 200: HistoryRange } } }, async () =>
    fastify.history.range(),
  );

  fastify.get(
    '/api/v1/history/state',
    { schema: { querystring: HistoryStateQuery, response: { 200: HistoryState } } },
    async (req) => fastify.history.stateAt(req.query.at),
  );

  fastify.get(
    '/api/v1/history/diff',
    { schema: { querystring: HistoryDiffQuery, response: { 200: HistoryDiff } } },
    async (req) => fastify.history.diff(req.query.from, req.query.to),
  );

  fastify.get(
    '/api/v1/history/series',
    { schema: { querystring: HistorySeriesQuery, response: { 200: HistorySeries } } },
    async (req) => fastify.history.series(req.query.from, req.query.to, req.query.points ?? 120),
  );
};

export default history;
