import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { type CheckedName, checkedSchemas } from './checked.js';
import type { FleetMessage, HostsResponse } from './fleet.js';
import { checks } from './generated/checkers.js';
import type {
  ClientMessage,
  Container,
  Event,
  Patch,
  Process,
  ServerMessage,
  State,
  ThreadsAnswer,
} from './schemas.js';
import { stateInvariantProblems } from './state.js';

/** What a checker of `T` answers: whether a value is one, and what is wrong with it if not. */
export interface TypedChecker<T extends TSchema> extends Checker {
  Check(value: unknown): value is Static<T>;
}

/**
 * Checks run the code generated from the schema at build time (no eval, so a page under a CSP
 * without 'unsafe-eval' runs them as fast as Node); the errors of a value that fails come from
 * walking the schema, as typebox's compiled validators get theirs.
 */
function checker<T extends TSchema>(
  check: (value: unknown) => boolean,
  schema: T,
): TypedChecker<T> {
  return {
    Check: check as (value: unknown) => value is Static<T>,
    Errors: (value: unknown) => Value.Errors(schema, value),
  };
}

export const validators = Object.fromEntries(
  Object.entries(checkedSchemas).map(([name, schema]) => [
    name,
    checker(checks[name as CheckedName], schema),
  ]),
) as { readonly [K in CheckedName]: TypedChecker<(typeof checkedSchemas)[K]> };

/** What parsing needs from a checker, whatever its schema. */
export interface Checker {
  Check(value: unknown): boolean;
  Errors(
    value: unknown,
  ): { keyword: string; instancePath: string; message: string; params: object }[];
}

/** Up to `limit` schema errors as short "path: message" text, most specific first. */
export function schemaProblems(validator: Checker, value: unknown, limit = 3): string[] {
  const errors = validator.Errors(value);
  // "schema is false" repeats an additionalProperties error; "anyOf" only says a union failed.
  const specific = errors.filter((e) => e.keyword !== 'boolean' && e.keyword !== 'anyOf');
  const chosen = (specific.length > 0 ? specific : errors).slice(0, limit);
  return chosen.map((e) => {
    const path = e.instancePath === '' ? '/' : e.instancePath;
    const extra =
      e.keyword === 'additionalProperties' && 'additionalProperties' in e.params
        ? ` (${(e.params.additionalProperties as string[]).map((k) => JSON.stringify(k)).join(', ')})`
        : '';
    return `${path} ${e.message}${extra}`;
  });
}

export function isProcess(value: unknown): value is Process {
  return validators.process.Check(value);
}

export function isContainer(value: unknown): value is Container {
  return validators.container.Check(value);
}

export function isEvent(value: unknown): value is Event {
  return validators.event.Check(value);
}

/** [S8] The answer of GET /api/v1/processes/:pid/threads. */
export function isThreadsAnswer(value: unknown): value is ThreadsAnswer {
  return validators.threadsAnswer.Check(value);
}

export function isPatch(value: unknown): value is Patch {
  return validators.patch.Check(value);
}

export function isServerMessage(value: unknown): value is ServerMessage {
  return validators.serverMessage.Check(value);
}

export function isFleetMessage(value: unknown): value is FleetMessage {
  return validators.fleetMessage.Check(value);
}

export function isHostsResponse(value: unknown): value is HostsResponse {
  return validators.hostsResponse.Check(value);
}

export function isClientMessage(value: unknown): value is ClientMessage {
  return validators.clientMessage.Check(value);
}

/** A schema-valid state that also keeps the [S1]/[S2] invariants (unique, sorted). */
export function isState(value: unknown): value is State {
  return validateState(value).length === 0;
}

/**
 * Everything wrong with `value` as a State: schema errors first, then [S1]/[S2] invariant problems
 * (duplicate identities, order). Empty when it is a sound state. Agents call it in tests; clients
 * can call it on a snapshot when debugging.
 */
export function validateState(value: unknown): string[] {
  const v = validators.state;
  if (!v.Check(value)) return schemaProblems(v, value, 10);
  return stateInvariantProblems(value);
}
