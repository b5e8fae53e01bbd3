import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';

/** The API's JSON error body; `message` never echoes more than a short quote of the input. */
export function sendError(
  reply: FastifyReply,
  statusCode: number,
  code: string,
  message: string,
): FastifyReply {
  return reply
    .code(statusCode)
    .type('application/json; charset=utf-8')
    .send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

/** Untrusted text for a message: JSON-quoted and cut to `max` characters. */
export function quote(text: string, max = 64): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
