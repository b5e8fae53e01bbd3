import { type AuditEntry, parsePid } from '@pidscope/protocol';
import type Docker from 'dockerode';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Actions, createActions } from '../actions/actions.js';
import { type AuditLog, createAuditLog } from '../actions/audit.js';
import { tokenId } from '../actions/auth.js';
import type { ProcessView } from '../actions/preview.js';
import { selfPid } from '../actions/target.js';
import { createDockerClient } from '../docker/dockerWatcher.js';
import { AgentError, asAgentError } from '../errors.js';

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
  /**
   * Makes every route of the calling (encapsulated) plugin an action: refused with READ_ONLY in
   * read-only mode, and each answer audited.
   */
  actionScope(scope: FastifyInstance, action: string): void;
  /** Attaches what the handler knows to the request's audit line. */
  note(req: FastifyRequest, note: Partial<AuditNote>): void;
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

/**
 * The PID in the URL, for audit lines of requests refused before the handler ran: still text when
 * they were refused before their params were checked.
 */
function targetFromParams(req: FastifyRequest): AuditEntry['target'] {
  const raw = (req.params as { pid?: unknown } | undefined)?.pid;
  if (raw === undefined) return null;
  const pid = typeof raw === 'number' ? raw : parsePid(String(raw));
  const body = req.body as { startTime?: unknown } | undefined;
  const startTime = typeof body?.startTime === 'number' ? body.startTime : null;
  return { pid, startTime };
}

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
      signalled: (pids) => fastify.model.signalled(pids),
      look: () => fastify.model.refresh(),
    });
    const notes = new WeakMap<FastifyRequest, AuditNote>();

    const service: ActionService = {
      actions,
      audit,
      selfPid: self,
      docker: dockerClient,
      actionScope(scope, action) {
        scope.addHook('onRequest', async () => {
          if (config.readOnly) {
            throw new AgentError(
              'READ_ONLY',
              'the agent runs in read-only mode: every action is refused',
            );
          }
        });
        // Runs once the app's error handler has answered: the refusal's code is the outcome.
        scope.addHook('onError', async (req, _reply, err) => {
          const e = asAgentError(err);
          service.note(req, { outcome: `${e.code}: ${e.message}` });
        });
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
    };
    fastify.decorate('actionService', service);
    fastify.addHook('onClose', async () => audit.flush().catch(() => undefined));
  },
  {
    name: 'pidscope-actions',
    dependencies: ['pidscope-config', 'pidscope-docker', 'pidscope-model'],
  },
);
