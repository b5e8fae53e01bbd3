import Type, { type Static } from 'typebox';

/**
 * Every error the agent's HTTP API answers with ([R1] in SPEC.md): stable, unprefixed
 * SCREAMING_SNAKE codes, each with its one HTTP status.
 */
export const ERRORS = {
  /** A malformed URL ([R3]). */
  BAD_REQUEST: 400,
  /** The body is not JSON, not an object, or holds a field the route does not know. */
  BAD_BODY: 400,
  BAD_PID: 400,
  BAD_SIGNAL: 400,
  BAD_START_TIME: 400,
  BAD_SINCE: 400,
  BAD_LIMIT: 400,
  /** A history or events query that holds together field by field but not as a whole. */
  BAD_QUERY: 400,
  /** Neither the token (Authorization: Bearer) nor a session cookie made from it. */
  UNAUTHENTICATED: 401,
  /** The Host header names a host this agent does not answer to (DNS rebinding). */
  HOST_NOT_ALLOWED: 403,
  /** A write riding a cookie, or a WebSocket, from a page of another site. */
  CROSS_SITE: 403,
  /** The agent runs with --read-only: every action is refused. */
  READ_ONLY: 403,
  // Targets pidscope never signals.
  HOST_INIT: 403,
  KERNEL_THREAD: 403,
  NOT_THREAD_GROUP_LEADER: 403,
  AGENT_ITSELF: 403,
  AGENT_ANCESTOR: 403,
  CONTAINER_RUNTIME: 403,
  /** kill(2) answered EPERM. */
  NOT_PERMITTED: 403,
  /** No route for that method and path. */
  NOT_FOUND: 404,
  NO_SUCH_PROCESS: 404,
  NO_SUCH_CONTAINER: 404,
  NO_SUCH_DEMO: 404,
  /** A moment before the first one the history holds. */
  NOT_RECORDED: 404,
  /** The PID now names another process: the start time differs. */
  STALE_START_TIME: 409,
  NOT_A_ZOMBIE: 409,
  PARENT_GONE: 409,
  /** The zombie's parent is the host's PID 1, which reaps by itself. */
  HOST_INIT_REAPS: 409,
  /** The zombie's parent is the PID 1 of a namespace that belongs to no known container. */
  NO_CONTAINER: 409,
  /** Only a container restart clears the zombie; the request did not confirm one. */
  RESTART_REQUIRED: 409,
  BODY_TOO_LARGE: 413,
  /** A plain GET of the WebSocket stream. */
  UPGRADE_REQUIRED: 426,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_DEMOS: 429,
  /** Too many failed authentications from an address, or actions from a session (Retry-After). */
  RATE_LIMITED: 429,
  /** Anything the agent did not expect: the client learns nothing more ([R2]). */
  INTERNAL: 500,
  SPAWN_FAILED: 500,
  DOCKER_FAILED: 502,
  DOCKER_UNAVAILABLE: 503,
  /** The agent records no history (PIDSCOPE_MAX_DISK=0, no usable store). */
  HISTORY_OFF: 503,
  IMAGE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;
export type ErrorCode = keyof typeof ERRORS;

export const ErrorCodeSchema = Type.Union(
  (Object.keys(ERRORS) as ErrorCode[]).map((code) => Type.Literal(code)),
);

/** Every error answer ([R1]). */
export const ErrorBody = Type.Object(
  {
    /** The HTTP status, ERRORS[code]. */
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    code: ErrorCodeSchema,
    /** The status's reason phrase, e.g. "Conflict". */
    error: Type.String(),
    /** A sentence for people. */
    message: Type.String(),
    /** Facts a client can act on, e.g. `{ currentStartTime }` with STALE_START_TIME. */
    detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type ErrorBody = Omit<Static<typeof ErrorBody>, 'code'> & { code: ErrorCode };
