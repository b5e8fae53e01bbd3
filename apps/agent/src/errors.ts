import { STATUS_CODES } from 'node:http';
import { ERRORS, type ErrorBody, type ErrorCode } from '@pidscope/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The one error the agent's routes, hooks and services throw; the app's error handler is the only
 * place that sends it. The status comes from the catalogue (ERRORS in @pidscope/protocol). A 5xx
 * sends its code and message, so the message says what failed in the agent's words and never
 * carries the text of what caused it: that goes in `cause`, which is logged.
 */
export class AgentError extends Error {
  override name = 'AgentError';
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.statusCode = ERRORS[code];
  }
}

/** Untrusted text in a message: at most 100 characters of it, never a whole 8 KB URL. */
export function cut(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Fastify's own 4xx errors, by their code, in the catalogue's words. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_BODY',
};

interface ThrownError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  name?: unknown;
}

/**
 * Any error a request ended with, as the catalogue's: an AgentError as it is; Fastify's own client
 * errors (a body that is not JSON, too large, of another media type, a malformed URL) under the
 * catalogue's codes with their message; anything else is INTERNAL and says nothing more.
 */
export function asAgentError(err: unknown): AgentError {
  if (err instanceof AgentError) return err;
  const e = (err ?? {}) as ThrownError;
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  const message = typeof e.message === 'string' ? e.message : '';
  if (status >= 400 && status < 500) {
    const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
    // The JSON parser's own SyntaxError (and its prototype-poisoning refusal) carry no code.
    const code = known ?? (e.name === 'SyntaxError' ? 'BAD_BODY' : 'BAD_REQUEST');
    // Never echo a long input back: a framework error can quote the whole URL.
    return new AgentError(code, cut(message, 300), undefined, { cause: err });
  }
  return new AgentError('INTERNAL', 'internal error', undefined, { cause: err });
}

/** The body of an error answer ([R1]). */
export function errorBody(err: AgentError): ErrorBody {
  return {
    statusCode: err.statusCode,
    code: err.code,
    error: STATUS_CODES[err.statusCode] ?? 'Error',
    message: err.message,
    ...(err.detail && Object.keys(err.detail).length > 0 ? { detail: err.detail } : {}),
  };
}

/**
 * The one place an error becomes an answer ([R1], [R2]), for the agent and the hub alike: a 5xx's
 * cause is logged, never sent.
 */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = asAgentError(err);
  if (e.statusCode >= 500) req.log.error({ err, code: e.code }, 'request failed');
  return reply.code(e.statusCode).send(errorBody(e));
}
