import {
  CONTAINER_FIELDS,
  DOCKER_FIELDS,
  HOST_FIELDS,
  PROCESS_FIELDS,
  UPDATABLE_FIELDS,
} from './fields.js';

/** How one object is rebuilt: every field of `fields`, those in `from` taken from the changes. */
export interface CopiedShape {
  readonly fields: readonly string[];
  readonly from?: readonly string[];
}

/**
 * Every object this package rebuilds field by field, by name. The build writes each one's copier
 * into `generated/copiers.ts` as an object literal with the schema's fields in order
 * (scripts/generate.ts): as fast as a hand-written one, where a loop of keyed stores into `{}` is
 * about ten times slower, and without `new Function`, which the page's CSP forbids.
 */
export const copiedShapes = {
  process: { fields: PROCESS_FIELDS },
  processUpdate: { fields: PROCESS_FIELDS, from: UPDATABLE_FIELDS },
  container: { fields: CONTAINER_FIELDS },
  docker: { fields: DOCKER_FIELDS },
  hostChanges: { fields: HOST_FIELDS, from: HOST_FIELDS },
} satisfies Record<string, CopiedShape>;

export type CopiedName = keyof typeof copiedShapes;
