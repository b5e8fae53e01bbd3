import { AgentError } from '@pidscope/agent';
import type { HostStatus } from '@pidscope/protocol';

/**
 * The hub's errors are the agent's kind, from the one catalogue (ERRORS in @pidscope/protocol), so
 * both answer alike; these say what is wrong with a host or a request.
 */
export const Errors = {
  hostNotFound: (id: string) =>
    new AgentError(
      'HOST_NOT_FOUND',
      `no host ${JSON.stringify(id.slice(0, 80))}: GET /api/v1/hosts lists them`,
    ),
  hostNotUp: (id: string, status: HostStatus, error: string | null) =>
    new AgentError(
      'HOST_DOWN',
      `host ${id} is ${status}${error ? ` (${error})` : ''}: try again when it is up`,
    ),
  badForwardPath: (path: string) =>
    new AgentError('BAD_PATH', `${JSON.stringify(path.slice(0, 80))} is not an agent route`),
  /** What went wrong on the way is logged ([R2]), not sent. */
  agentUnreachable: (id: string, cause: unknown) =>
    new AgentError('AGENT_UNREACHABLE', `host ${id} did not answer`, undefined, { cause }),
  notFound: (method: string, url: string) =>
    new AgentError('NOT_FOUND', `no route ${method} ${url.split('?')[0]?.slice(0, 100)}`),
} as const;
