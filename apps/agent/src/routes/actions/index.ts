import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isSignalName, SIGNAL_NAMES, type SignalName } from '../../actions/signals.js';
import { AgentError } from '../../errors.js';

/** PID_MAX_LIMIT (include/linux/threads.h): no PID is ever larger. */
const PID_LIMIT = 4_194_304;

function parsePid(raw: unknown): number {
  const text = typeof raw === 'string' ? raw : '';
  const pid = /^[1-9][0-9]{0,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(pid) || pid > PID_LIMIT) {
    throw new AgentError('BAD_PID', `PID must be a positive integer, not ${JSON.stringify(text)}`);
  }
  return pid;
}

function parseBody(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AgentError(
      'BAD_BODY',
      'the body must be a JSON object like {"signal":"SIGTERM","startTime":123}',
    );
  }
  return raw as Record<string, unknown>;
}

function parseStartTime(body: Record<string, unknown>): number {
  const s = body.startTime;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
    throw new AgentError(
      'BAD_START_TIME',
      'startTime (the process start time in clock ticks, from the snapshot) is required: it guards against PID reuse',
    );
  }
  return s;
}

function parseSignal(raw: unknown, fallback?: SignalName): SignalName {
  if (raw === undefined && fallback) return fallback;
  if (!isSignalName(raw)) {
    throw new AgentError(
      'BAD_SIGNAL',
      `unknown signal ${JSON.stringify(raw)}: use one of ${SIGNAL_NAMES.join(', ')}`,
    );
  }
  return raw;
}

function isDryRun(req: FastifyRequest): boolean {
  const q = (req.query as { dryRun?: unknown } | undefined)?.dryRun;
  return q === '1' || q === 'true' || q === '';
}

/**
 * POST /api/v1/processes/:pid/signal and /reap, GET /api/v1/audit. Everything here needs the
 * token; signal and reap are refused in read-only mode and every answer is audited.
 */
export default async function actionRoutes(fastify: FastifyInstance): Promise<void> {
  const svc = fastify.actionService;

  await fastify.register(async (scope) => {
    scope.addHook('onRequest', svc.requireWritable);
    svc.auditRoutes(scope, 'signal');

    scope.post('/api/v1/processes/:pid/signal', async (req: FastifyRequest) => {
      const dryRun = isDryRun(req);
      svc.note(req, { action: 'signal', dryRun });
      const pid = parsePid((req.params as { pid?: unknown }).pid);
      const body = parseBody(req.body);
      const signal = parseSignal(body.signal);
      const startTime = parseStartTime(body);
      svc.note(req, { target: { pid, startTime }, signal });
      const out = await svc.actions.signal({ pid, startTime, signal, dryRun });
      svc.note(req, {
        outcome: dryRun ? `preview: ${out.preview.effect}` : out.message,
        detail: {
          comm: out.preview.comm,
          containerId: out.preview.containerId,
          effect: out.preview.effect,
        },
      });
      return out;
    });

    scope.post('/api/v1/processes/:pid/reap', async (req: FastifyRequest) => {
      const dryRun = isDryRun(req);
      svc.note(req, { action: 'reap', dryRun });
      const pid = parsePid((req.params as { pid?: unknown }).pid);
      const body = parseBody(req.body);
      const startTime = parseStartTime(body);
      const signal = parseSignal(body.signal, 'SIGTERM');
      if (signal !== 'SIGTERM' && signal !== 'SIGKILL') {
        throw new AgentError('BAD_SIGNAL', 'reap sends the parent SIGTERM or SIGKILL');
      }
      const restartContainer = body.restartContainer === true;
      svc.note(req, { target: { pid, startTime } });
      const out = await svc.actions.reap({ pid, startTime, dryRun, restartContainer, signal });
      svc.note(req, {
        signal: out.signal,
        outcome: dryRun ? `preview: ${out.plan}` : out.message,
        detail: { plan: out.plan, parent: out.parent, container: out.container },
      });
      return out;
    });
  });

  await fastify.register(async (scope) => {
    scope.get('/api/v1/audit', async (req: FastifyRequest) => {
      const raw = (req.query as { limit?: unknown } | undefined)?.limit;
      const limit = raw === undefined ? 200 : Number(raw);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 5000) {
        throw new AgentError('BAD_LIMIT', 'limit must be an integer from 1 to 5000');
      }
      return { entries: await svc.audit.tail(limit), refused: svc.audit.refusals() };
    });
  });
}
