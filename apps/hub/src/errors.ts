import type { HostStatus } from '@pidscope/protocol';

/** An error with an HTTP status that is safe to show to the client (status < 500). */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The catalogue of coded errors the hub's own routes answer with. */
export const Errors = {
  hostNotFound: (id: string) =>
    new HubError(
      'PIDSCOPE_ERR_HOST_NOT_FOUND',
      404,
      `no host ${JSON.stringify(id.slice(0, 80))}: GET /api/v1/hosts lists them`,
    ),
  hostNotUp: (id: string, status: HostStatus, error: string | null) =>
    new HubError(
      'PIDSCOPE_ERR_HOST_DOWN',
      503,
      `host ${id} is ${status}${error ? ` (${error})` : ''}: try again when it is up`,
    ),
  badForwardPath: (path: string) =>
    new HubError(
      'PIDSCOPE_ERR_BAD_PATH',
      400,
      `${JSON.stringify(path.slice(0, 80))} is not an agent route`,
    ),
  agentUnreachable: (id: string, why: string) =>
    new HubError('PIDSCOPE_ERR_AGENT_UNREACHABLE', 502, `host ${id} did not answer: ${why}`),
  notFound: (method: string, url: string) =>
    new HubError('PIDSCOPE_ERR_NOT_FOUND', 404, `no route ${method} ${url.split('?')[0]}`),
} as const;
