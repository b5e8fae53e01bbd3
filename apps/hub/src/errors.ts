import { AgentError } from '@pidscope/agent';
import type { HostStatus } from '@pidscope/protocol';

/**
 * The hub's errors are the agent's kind (a code, a status, a message safe to show), so both answer
 * alike; these say what is wrong with a host or a request, whatever their status.
 */
export { AgentError as HubError };

/** The catalogue of coded errors the hub's own routes answer with. */
export const Errors = {
  hostNotFound: (id: string) =>
    new AgentError(
      'PIDSCOPE_ERR_HOST_NOT_FOUND',
      404,
      `no host ${JSON.stringify(id.slice(0, 80))}: GET /api/v1/hosts lists them`,
    ),
  hostNotUp: (id: string, status: HostStatus, error: string | null) =>
    new AgentError(
      'PIDSCOPE_ERR_HOST_DOWN',
      503,
      `host ${id} is ${status}${error ? ` (${error})` : ''}: try again when it is up`,
    ),
  badForwardPath: (path: string) =>
    new AgentError(
      'PIDSCOPE_ERR_BAD_PATH',
      400,
      `${JSON.stringify(path.slice(0, 80))} is not an agent route`,
    ),
  agentUnreachable: (id: string, why: string) =>
    new AgentError('PIDSCOPE_ERR_AGENT_UNREACHABLE', 502, `host ${id} did not answer: ${why}`),
  notFound: (method: string, url: string) =>
    new AgentError('PIDSCOPE_ERR_NOT_FOUND', 404, `no route ${method} ${url.split('?')[0]}`),
} as const;
