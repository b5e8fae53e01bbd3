import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { Value } from 'typebox/value';
import {
  FleetHeartbeat,
  FleetHostRemoved,
  FleetHosts,
  FleetHostUpdate,
  FleetMessage,
  HostsResponse,
} from './fleet.js';
import {
  ClientMessage,
  Container,
  Event,
  Heartbeat,
  Hello,
  Patch,
  Process,
  Resync,
  ServerMessage,
  Snapshot,
  State,
  ThreadsAnswer,
} from './schemas.js';
import { stateInvariantProblems } from './state.js';

/** A checker compiled on first use; `compiled()` tells whether that has happened. */
export interface Lazy<V> {
  (): V;
  compiled(): boolean;
}

/** What a checker of `T` answers: whether a value is one, and what is wrong with it if not. */
export interface TypedChecker<T extends TSchema> extends Checker {
  Check(value: unknown): value is Static<T>;
}

let mayEvaluate = true;

/**
 * Checkers from now on walk their schema instead of compiling it to a function. A page served
 * with a Content-Security-Policy without 'unsafe-eval' (the agent's) must call this before its
 * first message: compiling needs `new Function`, and even typebox's probe of whether it may is
 * reported by the browser as a violation. Walking is slower (about 120 ms instead of 0.6 ms to
 * check a 3,000-process snapshot in Node; patches are small), and it is the price of that policy.
 */
export function checkWithoutEval(): void {
  mayEvaluate = false;
}

/** A checker that never evaluates code: typebox's Value.Check and Value.Errors on the schema. */
function walker<T extends TSchema>(schema: T): TypedChecker<T> {
  return {
    Check: (value: unknown): value is Static<T> => Value.Check(schema, value),
    Errors: (value: unknown) => Value.Errors(schema, value),
  };
}

/** Compiles on first use, so importing the package costs nothing until a message arrives. */
function compiled<T extends TSchema>(schema: T): Lazy<TypedChecker<T>> {
  let validator: TypedChecker<T> | undefined;
  const get = () => {
    validator ??= mayEvaluate
      ? (Compile(schema) as Validator<Record<string, never>, T> & TypedChecker<T>)
      : walker(schema);
    return validator;
  };
  return Object.assign(get, { compiled: () => validator !== undefined });
}

export const validators = {
  hello: compiled(Hello),
  snapshot: compiled(Snapshot),
  patch: compiled(Patch),
  heartbeat: compiled(Heartbeat),
  resync: compiled(Resync),
  serverMessage: compiled(ServerMessage),
  clientMessage: compiled(ClientMessage),
  state: compiled(State),
  process: compiled(Process),
  container: compiled(Container),
  event: compiled(Event),
  threadsAnswer: compiled(ThreadsAnswer),
  fleetHosts: compiled(FleetHosts),
  fleetHost: compiled(FleetHostUpdate),
  fleetHostRemoved: compiled(FleetHostRemoved),
  fleetHeartbeat: compiled(FleetHeartbeat),
  fleetMessage: compiled(FleetMessage),
  hostsResponse: compiled(HostsResponse),
};

/** What parsing needs from a compiled validator, whatever its schema. */
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
  return validators.process().Check(value);
}

export function isContainer(value: unknown): value is Container {
  return validators.container().Check(value);
}

export function isEvent(value: unknown): value is Event {
  return validators.event().Check(value);
}

/** [S7] The answer of GET /api/v1/processes/:pid/threads. */
export function isThreadsAnswer(value: unknown): value is ThreadsAnswer {
  return validators.threadsAnswer().Check(value);
}

export function isPatch(value: unknown): value is Patch {
  return validators.patch().Check(value);
}

export function isServerMessage(value: unknown): value is ServerMessage {
  return validators.serverMessage().Check(value);
}

export function isFleetMessage(value: unknown): value is FleetMessage {
  return validators.fleetMessage().Check(value);
}

export function isHostsResponse(value: unknown): value is HostsResponse {
  return validators.hostsResponse().Check(value);
}

export function isClientMessage(value: unknown): value is ClientMessage {
  return validators.clientMessage().Check(value);
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
  const v = validators.state();
  if (!v.Check(value)) return schemaProblems(v, value, 10);
  return stateInvariantProblems(value);
}
