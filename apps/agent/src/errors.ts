/** An error with an HTTP status that is safe to show to the client (status < 500). */
export class AgentError extends Error {
  override name = 'AgentError';
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Untrusted text in a message: at most 100 characters of it, never a whole 8 KB URL. */
export function cut(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The catalogue of coded errors the agent's routes answer with. */
export const Errors = {
  processNotFound: (pid: number) =>
    new AgentError('PIDSCOPE_ERR_PROCESS_NOT_FOUND', 404, `no process with PID ${pid}`),
  badPid: (raw: string) =>
    new AgentError(
      'PIDSCOPE_ERR_BAD_PID',
      400,
      `pid must be a decimal integer from 1 to 4194304, not ${JSON.stringify(raw.slice(0, 32))}`,
    ),
  badStartTime: (raw: string) =>
    new AgentError(
      'PIDSCOPE_ERR_BAD_START_TIME',
      400,
      `startTime must be the process start time in clock ticks, not ${JSON.stringify(raw.slice(0, 32))}`,
    ),
  staleStartTime: (pid: number, current: number) =>
    new AgentError(
      'PIDSCOPE_ERR_STALE_START_TIME',
      409,
      `PID ${pid} now belongs to another process (start time ${current})`,
    ),
  containerNotFound: (id: string) =>
    new AgentError('PIDSCOPE_ERR_CONTAINER_NOT_FOUND', 404, `no container ${JSON.stringify(id)}`),
  notRecorded: (cause: Error) =>
    new AgentError('PIDSCOPE_ERR_NOT_RECORDED', 404, cause.message.replace(/^ERANGE \S+: /, '')),
  historyOff: () =>
    new AgentError('PIDSCOPE_ERR_HISTORY_OFF', 503, 'history is not being recorded'),
  badQuery: (message: string) => new AgentError('PIDSCOPE_ERR_BAD_QUERY', 400, message),
  notFound: (method: string, url: string) =>
    new AgentError(
      'PIDSCOPE_ERR_NOT_FOUND',
      404,
      `no route ${method} ${cut(url.split('?')[0] ?? '')}`,
    ),
  upgradeRequired: () =>
    new AgentError(
      'UPGRADE_REQUIRED',
      426,
      '/api/v1/stream is a WebSocket: open it with an Upgrade: websocket request',
    ),
} as const;
