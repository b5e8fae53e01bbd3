import { decodeText, type ErrorCode, requestProblem } from '@pidscope/protocol';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { AgentError } from './errors.js';

/** The code of a broken field that has none of its own, by the part of the request it is in. */
const FALLBACK: Record<string, ErrorCode> = {
  body: 'BAD_BODY',
  querystring: 'BAD_QUERY',
  params: 'BAD_REQUEST',
};

/**
 * Checks each route's params, querystring and body against its TypeBox schema (SPEC.md [R4]–[R6]):
 * URL text is decoded strictly where the schema wants numbers or booleans (no `1e3`, no `0x10`),
 * a body is taken as sent, and a request that breaks its schema is refused with the code of the
 * field that broke it, through the app's error handler like any other error.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const fromText = httpPart === 'params' || httpPart === 'querystring';
  const fallback = FALLBACK[httpPart ?? ''] ?? 'BAD_REQUEST';
  return (raw) => {
    const value = fromText ? decodeText(schema, raw) : raw;
    if (check.Check(value)) return { value };
    const problem = requestProblem(schema, value, check.Errors(value), fallback);
    return { error: new AgentError(problem.code, problem.message) };
  };
};
