// Objects that come off the wire are rebuilt from the field names of their schema only, so a key
// such as `__proto__` or `constructor` in untrusted input is never copied, merged or used as a
// lookup. The lists below are read off the schemas, so a field added to a schema needs no edit here.
import { Container, DockerStatus, Host, Process, ProcessKey, ProcessUpdate } from './schemas.js';

/** The properties of an object schema, in schema order, as the static type's keys. */
function fieldsOf<T extends object>(schema: { properties: object }): readonly (keyof T)[] {
  return Object.keys(schema.properties) as (keyof T)[];
}

export const PROCESS_FIELDS = fieldsOf<Process>(Process);

export type UpdatableField = Exclude<keyof ProcessUpdate, keyof ProcessKey>;

/** Process fields that may change while pid + startTime stay the same ([D4]). */
export const UPDATABLE_FIELDS = fieldsOf<ProcessUpdate>(ProcessUpdate).filter(
  (f): f is UpdatableField => !Object.hasOwn(ProcessKey.properties, f),
);

export const HOST_FIELDS = fieldsOf<Host>(Host);
export const CONTAINER_FIELDS = fieldsOf<Container>(Container);
export const DOCKER_FIELDS = fieldsOf<DockerStatus>(DockerStatus);

/** Equality over the given fields only, so a stray extra property never counts as a change. */
export function sameFields<T extends object>(a: T, b: T, fields: readonly (keyof T)[]): boolean {
  for (const f of fields) if (!jsonEqual(a[f], b[f])) return false;
  return true;
}

/** Equality of JSON values (primitives, arrays, plain objects), by own enumerable keys. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) {
    if (!Object.hasOwn(b, k)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) {
      return false;
    }
  }
  return true;
}

/**
 * A copy of a field's JSON value that shares nothing with it. Records (container labels) are
 * copied with `Object.fromEntries`, which defines own data properties: a label named `__proto__`
 * stays an ordinary label instead of replacing the object's prototype.
 */
export function copyValue<V>(value: V): V {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyValue) as V;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyValue(v)])) as V;
}
