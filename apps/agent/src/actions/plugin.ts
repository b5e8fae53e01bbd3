import type Docker from 'dockerode';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { createDockerClient } from '../docker/dockerWatcher.js';
import { ActionError, type Actions, createActions } from './actions.js';
import { type AuditEntry, type AuditLog, createAuditLog } from './audit.js';
import { tokenId } from './auth.js';
import type { ProcessView } from './preview.js';
import { selfPid } from './target.js';

/** What the handler learned about the action, for its audit line. */
export interface AuditNote {
  action: string;
  dryRun?: boolean;
  target?: { pid: number | null; startTime: number | null } | null;
  signal?: string | null;
  outcome?: string;
  detail?: Record<string, unknown>;
}

export interface ActionService {
  actions: Actions;
  audit: AuditLog;
  /** onRequest hook: 403 in read-only mode. */
  requireWritable: onRequestHookHandler;
  /** Registers onResponse auditing for every route of the calling (encapsulated) plugin. */
  auditRoutes(scope: FastifyInstance, action: string): void;
  /** Attaches what the handler knows to the request's audit line. */
  note(req: FastifyRequest, note: Partial<AuditNote>): void;
  /** Sends an ActionError as JSON; rethrows anything else to the app's error handler. */
  fail(reply: FastifyReply, err: unknown): FastifyReply;
  /** The agent's PID in the procRoot view. */
  selfPid: number;
  /** Docker for actions: no connection timeout, since restarts and starts take seconds. */
  docker: Docker;
}

declare module 'fastify' {
  interface FastifyInstance {
    actionService: ActionService;
  }
}

/** The live model as the preview needs it. */
function modelView(fastify: FastifyInstance): ProcessView {
  const { model } = fastify;
  return {
    findProcess: (pid) => model.findProcess(pid),
    children: (p) => model.children(p),
    container: (id) => model.container(id),
    namespaceInit: (pidNs) => model.namespaceInit(pidNs),
  };
}

/** The PID in the URL, for audit lines of requests refused before the handler ran. */
function targetFromParams(req: FastifyRequest): AuditEntry['target'] {
  const raw = (req.params as { pid?: unknown } | undefined)?.pid;
  if (typeof raw !== 'string') return null;
  const pid = /^\d{1,10}$/.test(raw) ? Number(raw) : null;
  const body = req.body as { startTime?: unknown } | undefined;
  const startTime = typeof body?.startTime === 'number' ? body.startTime : null;
  return { pid, startTime };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export default fp(
  async function actionsPlugin(fastify: FastifyInstance) {
    const { config } = fastify;
    const audit = createAuditLog(config.auditFile);
    const self = selfPid(config.procRoot);
    const dockerClient = createDockerClient(config.docker, { timeoutMs: 60_000 });
    const actions = createActions({
      procRoot: config.procRoot,
      selfPid: self,
      view: () => modelView(fastify),
      docker: () => (fastify.docker.status().available ? dockerClient : null),
    });
    const notes = new WeakMap<FastifyRequest, AuditNote>();

    const send = (reply: FastifyReply, status: number, code: string, message: string, extra = {}) =>
      reply.code(status).send({
        statusCode: status,
        code,
        error: STATUS_TEXT[status] ?? 'Error',
        message,
        ...extra,
      });

    const service: ActionService = {
      actions,
      audit,
      selfPid: self,
      docker: dockerClient,
      requireWritable: async (_req, reply) => {
        if (config.readOnly) {
          return send(
            reply,
            403,
            'READ_ONLY',
            'the agent runs in read-only mode: every action is refused',
          );
        }
      },
      auditRoutes(scope, action) {
        scope.addHook('onResponse', async (req, reply) => {
          // Refused before it proved it holds the token: counted (audit.refused), not a line each.
          if (!req.auth) return;
          const n = notes.get(req);
          const via = req.headers['x-pidscope-via'];
          const entry: AuditEntry = {
            at: Date.now(),
            actor: tokenId(config.token),
            remote: req.ip,
            action: n?.action ?? action,
            dryRun: n?.dryRun ?? false,
            target: n?.target ?? targetFromParams(req),
            signal: n?.signal ?? null,
            status: reply.statusCode,
            outcome: n?.outcome ?? (reply.statusCode < 400 ? 'ok' : 'refused'),
            ...(n?.detail ? { detail: n.detail } : {}),
            ...(typeof via === 'string' ? { via: via.slice(0, 200) } : {}),
          };
          await audit.append(entry).catch((err) => req.log.error({ err }, 'audit append failed'));
        });
      },
      note(req, note) {
        notes.set(req, { action: '', ...notes.get(req), ...note } as AuditNote);
      },
      fail(reply, err) {
        if (err instanceof ActionError) {
          service.note(reply.request, { outcome: `${err.code}: ${err.message}` });
          return send(
            reply,
            err.statusCode,
            err.code,
            err.message,
            Object.keys(err.detail).length ? { detail: err.detail } : {},
          );
        }
        throw err;
      },
    };
    fastify.decorate('actionService', service);
    fastify.addHook('onClose', async () => audit.flush().catch(() => undefined));
  },
  {
    name: 'pidscope-actions',
    dependencies: ['pidscope-config', 'pidscope-docker', 'pidscope-model'],
  },
);
