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
  containerNotFound: (id: string) =>
    new AgentError('PIDSCOPE_ERR_CONTAINER_NOT_FOUND', 404, `no container ${JSON.stringify(id)}`),
  notRecorded: (cause: Error) =>
    new AgentError('PIDSCOPE_ERR_NOT_RECORDED', 404, cause.message.replace(/^ERANGE \S+: /, '')),
  historyOff: () =>
    new AgentError('PIDSCOPE_ERR_HISTORY_OFF', 503, 'history is not being recorded'),
  badQuery: (message: string) => new AgentError('PIDSCOPE_ERR_BAD_QUERY', 400, message),
  notFound: (method: string, url: string) =>
    new AgentError('PIDSCOPE_ERR_NOT_FOUND', 404, `no route ${method} ${url.split('?')[0]}`),
} as const;
