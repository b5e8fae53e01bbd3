import Type, { type Static, type TSchema } from 'typebox';
import { RecordingStatus } from './history.js';
import { Container, DockerStatus, Host, Process, ReaperKind, ZombieAnalysis } from './schemas.js';

const Count = Type.Integer({ minimum: 0 });
const Ticks = Count;
const HostPid = Count;
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/**
 * Every error the agent's HTTP API, and a hub's (apps/hub), answers with ([R1] in SPEC.md):
 * stable, unprefixed SCREAMING_SNAKE codes, each with its one HTTP status.
 */
export const ERRORS = {
  /** A malformed URL ([R3]). */
  BAD_REQUEST: 400,
  /** The body is not JSON, not an object, or holds a field the route does not know. */
  BAD_BODY: 400,
  BAD_PID: 400,
  BAD_SIGNAL: 400,
  BAD_START_TIME: 400,
  BAD_LIMIT: 400,
  /** A history or events query that holds together field by field but not as a whole. */
  BAD_QUERY: 400,
  BAD_DRY_RUN: 400,
  /** A subtree signal's order other than leaves-first or root-first, or an order without a subtree ([R8]). */
  BAD_ORDER: 400,
  /** A hub forwards only agent routes: no empty, `.`, `..` or empty segment. */
  BAD_PATH: 400,
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
  /** A hub knows no host by that id ([F1]). */
  HOST_NOT_FOUND: 404,
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
  /** A hub's request to an agent failed on the way (refused, reset, timed out). */
  AGENT_UNREACHABLE: 502,
  DOCKER_UNAVAILABLE: 503,
  /** The agent records no history (PIDSCOPE_MAX_DISK=0, no usable store). */
  HISTORY_OFF: 503,
  IMAGE_UNAVAILABLE: 503,
  /** A hub's host that is not up ([F3]). */
  HOST_DOWN: 503,
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

// ---------------------------------------------------------------------------------------------
// Requests: what a field must be, and the error a request gets when it is not ([R4]–[R6]).

/** PID_MAX_LIMIT (include/linux/threads.h): no PID is ever larger. */
export const PID_LIMIT = 4_194_304;

/** How a request field that breaks its schema is answered: its code and what it must be. */
export interface FieldProblem {
  errorCode: ErrorCode;
  /** What the field must be, as a sentence that names it. */
  errorMessage: string;
}

/** `schema` with the error a request gets when this field breaks it ([R6]). */
function field<T extends TSchema>(schema: T, errorCode: ErrorCode, errorMessage: string): T {
  return { ...schema, errorCode, errorMessage };
}

/**
 * Decimal integer text as URLs carry it ([R5]): an optional `-`, then `0` or digits without a
 * leading zero; no `+`, exponent, fraction, hex or blanks. null for anything else.
 */
export function parseDecimal(text: string): number | null {
  if (!/^(0|-?[1-9][0-9]{0,15})$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** A host PID as URL text: decimal, 1 to PID_LIMIT; null otherwise. */
export function parsePid(text: string): number | null {
  const n = parseDecimal(text);
  return n !== null && n >= 1 && n <= PID_LIMIT ? n : null;
}

const PidField = field(
  Type.Integer({ minimum: 1, maximum: PID_LIMIT }),
  'BAD_PID',
  `pid must be a decimal integer from 1 to ${PID_LIMIT}`,
);

/** `/api/v1/processes/:pid…` */
export const PidParams = Type.Object({ pid: PidField });
export type PidParams = Static<typeof PidParams>;

/** The signals the API sends; others (SIGSEGV, real-time signals, …) have no business here. */
export const SignalName = Type.Union([
  Type.Literal('SIGTERM'),
  Type.Literal('SIGKILL'),
  Type.Literal('SIGHUP'),
  Type.Literal('SIGINT'),
  Type.Literal('SIGQUIT'),
  Type.Literal('SIGUSR1'),
  Type.Literal('SIGUSR2'),
  Type.Literal('SIGSTOP'),
  Type.Literal('SIGCONT'),
  Type.Literal('SIGCHLD'),
]);
export type SignalName = Static<typeof SignalName>;

/** Every signal name, in the schema's order. */
export const SIGNAL_NAMES: readonly SignalName[] = SignalName.anyOf.map((s) => s.const);

const StartTimeField = field(
  Count,
  'BAD_START_TIME',
  'startTime (the process start time in clock ticks, from the snapshot) is required as a whole number: it guards against PID reuse',
);

/** `?dryRun`, `?dryRun=1` or `=true` ask what would happen; absent, `0` or `false` act ([R7]). */
export const DryRunQuery = Type.Object({
  dryRun: Type.Optional(
    field(Type.Boolean(), 'BAD_DRY_RUN', 'dryRun must be 1, true, 0 or false (or stand alone)'),
  ),
});
export type DryRunQuery = Static<typeof DryRunQuery>;

/** GET /api/v1/processes/:pid/threads ([S8]): the start time names the process meant. */
export const ThreadsQuery = Type.Object({ startTime: StartTimeField });
export type ThreadsQuery = Static<typeof ThreadsQuery>;

/**
 * In which order a subtree signal reaches its members ([R8]): the deepest first (a process only
 * once its descendants had theirs), or the root first.
 */
export const SubtreeOrder = Type.Union([Type.Literal('leaves-first'), Type.Literal('root-first')]);
export type SubtreeOrder = Static<typeof SubtreeOrder>;

/** POST /api/v1/processes/:pid/signal */
export const SignalRequest = field(
  Type.Object(
    {
      signal: field(SignalName, 'BAD_SIGNAL', `signal must be one of ${SIGNAL_NAMES.join(', ')}`),
      startTime: StartTimeField,
      /** The process and all its descendants, in one request ([R8]). */
      subtree: Type.Optional(field(Type.Boolean(), 'BAD_BODY', 'subtree must be true or false')),
      /** With `subtree`: leaves-first (the default) or root-first. */
      order: Type.Optional(
        field(
          SubtreeOrder,
          'BAD_ORDER',
          'order must be "leaves-first" or "root-first", with "subtree": true',
        ),
      ),
    },
    { additionalProperties: false },
  ),
  'BAD_BODY',
  'the body must be a JSON object like {"signal":"SIGTERM","startTime":123}',
);
export type SignalRequest = Static<typeof SignalRequest>;

/** What a reap sends the zombie's parent. */
export const ReapSignal = Type.Union([Type.Literal('SIGTERM'), Type.Literal('SIGKILL')]);
export type ReapSignal = Static<typeof ReapSignal>;

/** POST /api/v1/processes/:pid/reap */
export const ReapRequest = field(
  Type.Object(
    {
      startTime: StartTimeField,
      /** What the zombie's parent gets; SIGTERM unless the person chose SIGKILL. */
      signal: Type.Optional(
        field(ReapSignal, 'BAD_SIGNAL', 'reap sends the parent SIGTERM or SIGKILL'),
      ),
      /** Confirms a container restart when the zombie's parent is the container's PID 1. */
      restartContainer: Type.Optional(
        field(Type.Boolean(), 'BAD_BODY', 'restartContainer must be true or false'),
      ),
    },
    { additionalProperties: false },
  ),
  'BAD_BODY',
  'the body must be a JSON object like {"startTime":123,"signal":"SIGTERM"}',
);
export type ReapRequest = Static<typeof ReapRequest>;

/** GET /api/v1/audit */
export const AuditQuery = Type.Object({
  limit: Type.Optional(
    field(
      Type.Integer({ minimum: 1, maximum: 5000 }),
      'BAD_LIMIT',
      'limit must be an integer from 1 to 5000',
    ),
  ),
});
export type AuditQuery = Static<typeof AuditQuery>;

/** POST /api/v1/demos/:name */
export const DemoNameParams = Type.Object({ name: Type.String() });
/** DELETE /api/v1/demos/:id */
export const DemoIdParams = Type.Object({ id: Type.String() });

const BOOLEAN_TEXT = new Map([
  ['', true],
  ['1', true],
  ['true', true],
  ['0', false],
  ['false', false],
]);

/**
 * URL params and query values arrive as text ([R5]). Those the schema wants as integers or
 * booleans are decoded strictly; every other one stays as it came, for the schema check to refuse;
 * a name the schema does not hold is dropped (query strings pick up cache busters and the like).
 */
export function decodeText(schema: TSchema, values: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (typeof values !== 'object' || values === null || !properties) return values;
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(values)) {
    if (!Object.hasOwn(properties, key)) continue;
    const type = properties[key]?.type;
    if (typeof value !== 'string') out[key] = value;
    else if (type === 'integer') out[key] = parseDecimal(value) ?? value;
    else if (type === 'boolean') out[key] = BOOLEAN_TEXT.get(value) ?? value;
    else out[key] = value;
  }
  return out;
}

/** A schema error as TypeBox (and Ajv) report it. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: object;
  message?: string;
}

/** What a request that breaks its schema is answered with ([R6]). */
export interface RequestProblem {
  code: ErrorCode;
  message: string;
}

function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}

/**
 * The answer to a part of a request (params, query or body) that breaks its schema ([R6]): the
 * first of the schema's fields, in their order, that has an error, with its own code and sentence
 * when it has them, else with `fallback` and the checker's words; and the value it got. A part
 * that breaks its schema in no field (not an object, an unknown field) gets its own code and
 * sentence when it has them, else `fallback`.
 */
export function requestProblem(
  schema: TSchema,
  value: unknown,
  errors: readonly SchemaError[],
  fallback: ErrorCode,
): RequestProblem {
  const properties =
    (schema as { properties?: Record<string, Partial<FieldProblem>> }).properties ?? {};
  const failing = new Map<string, string>();
  const unknown: string[] = [];
  for (const e of errors) {
    const name = e.instancePath.split('/')[1];
    if (name !== undefined && Object.hasOwn(properties, name) && !failing.has(name)) {
      failing.set(name, e.message ?? 'is not valid');
    }
    if (e.keyword === 'required' && 'requiredProperties' in e.params) {
      for (const p of e.params.requiredProperties as string[]) failing.set(p, 'is required');
    }
    if (e.keyword === 'additionalProperties' && 'additionalProperties' in e.params) {
      unknown.push(...(e.params.additionalProperties as string[]));
    }
  }
  const fields =
    value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  for (const [name, problem] of Object.entries(properties)) {
    const why = failing.get(name);
    if (why === undefined) continue;
    const got = Object.hasOwn(fields, name) ? `got ${quoted(fields[name])}` : 'missing';
    if (problem.errorCode && problem.errorMessage) {
      return { code: problem.errorCode, message: `${problem.errorMessage} (${got})` };
    }
    return { code: fallback, message: `${name} ${why} (${got})` };
  }
  const own = schema as Partial<FieldProblem>;
  const why = unknown.length
    ? `unknown field ${unknown.map((u) => quoted(u)).join(', ')}`
    : value === undefined || value === null
      ? 'missing'
      : `got ${quoted(value)}`;
  if (own.errorCode && own.errorMessage) {
    return { code: own.errorCode, message: `${own.errorMessage} (${why})` };
  }
  return { code: fallback, message: `the request does not match its schema (${why})` };
}

// ---------------------------------------------------------------------------------------------
// Answers.

/** GET /healthz */
export const HealthResponse = Type.Object(
  {
    /**
     * "degraded" when no scan has succeeded for three refresh periods (the poll, or the event
     * source's safety rescan), or history is not recording.
     */
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    seq: Count,
    lastScanAt: Nullable(Type.Number()),
    docker: DockerStatus,
    /** Whether history is recording; paused (a full disk) or off says why. */
    recording: RecordingStatus,
    /** How process changes are learnt: kernel events, or a scan every interval ([S6]). */
    source: Host.properties.source,
    /** Why the agent polls; null with events. */
    sourceReason: Nullable(Type.String()),
    /** How signals are sent: through a pidfd (no PID-reuse window), or kill(2) after a check. */
    signals: Type.Union([Type.Literal('pidfd'), Type.Literal('kill')]),
    /** Why signals go through kill(2); null with pidfds. */
    signalsReason: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type HealthResponse = Static<typeof HealthResponse>;

/** GET /api/v1/processes/:pid */
export const ProcessDetails = Type.Object(
  {
    process: Process,
    parent: Nullable(Process),
    children: Type.Array(Process),
    container: Nullable(Container),
    /** Only for a zombie: why it is there and what clears it. */
    analysis: Nullable(ZombieAnalysis),
    /**
     * Only for a kernel worker (`kworker/1:0`): the workqueue it serves now, read when asked
     * (`events`; `+events` while it runs a work item). The stream leaves it out: it changes all the
     * time and says nothing about the process tree.
     */
    workqueue: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type ProcessDetails = Static<typeof ProcessDetails>;

/** GET /api/v1/containers */
export const ContainersResponse = Type.Object(
  { docker: DockerStatus, containers: Type.Array(Container) },
  { additionalProperties: false },
);
export type ContainersResponse = Static<typeof ContainersResponse>;

const Brief = Type.Object(
  { pid: HostPid, startTime: Ticks, comm: Type.String() },
  { additionalProperties: false },
);

/** What a signal will do to its target. */
export const SignalEffect = Type.Union([
  /** The target dies (default action terminate or core dump). */
  Type.Literal('terminate'),
  /** SIGKILL to a container's PID 1: the kernel kills the whole PID namespace. */
  Type.Literal('stops-container'),
  /** The target installed a handler: the program decides. */
  Type.Literal('handled'),
  /** SIG_IGN, default action "ignore", or a namespace PID 1 without a handler. */
  Type.Literal('ignored'),
  Type.Literal('stop'),
  Type.Literal('continue'),
  /** A zombie: it has already exited; signals do nothing. */
  Type.Literal('none'),
]);
export type SignalEffect = Static<typeof SignalEffect>;

/** Who adopts the children of a process that dies. */
export const Reaper = Type.Object(
  {
    pid: HostPid,
    startTime: Ticks,
    comm: Type.String(),
    kind: ReaperKind,
    /** true reaps, false never reaps, null depends (a shell). */
    reaps: Nullable(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Reaper = Static<typeof Reaper>;

/** What becomes of one child of a process that dies. */
export const OrphanFate = Type.Object(
  {
    pid: HostPid,
    startTime: Ticks,
    comm: Type.String(),
    zombie: Type.Boolean(),
    /** null when the whole namespace dies with its PID 1. */
    newParent: Nullable(Reaper),
    /** For zombies: reaped | stays | may-stay; for live children: adopted | killed. */
    fate: Type.Union([
      Type.Literal('reaped'),
      Type.Literal('stays'),
      Type.Literal('may-stay'),
      Type.Literal('adopted'),
      Type.Literal('killed'),
    ]),
    text: Type.String(),
  },
  { additionalProperties: false },
);
export type OrphanFate = Static<typeof OrphanFate>;

/** What sending a signal would do (the dry run), in fields and in words. */
export const SignalPreview = Type.Object(
  {
    pid: HostPid,
    startTime: Ticks,
    comm: Type.String(),
    state: Type.String({ maxLength: 1 }),
    signal: SignalName,
    containerId: Nullable(Type.String()),
    containerName: Nullable(Type.String()),
    isContainerInit: Type.Boolean(),
    effect: SignalEffect,
    orphans: Type.Array(OrphanFate),
    /** Everything above in words, one sentence per line; the UI shows it in the confirm dialog. */
    text: Type.String(),
  },
  { additionalProperties: false },
);
export type SignalPreview = Static<typeof SignalPreview>;

/**
 * What becomes of one member of a subtree signal once every member had it ([R8]): `exits` (and its
 * parent then reaps it), `exits-if-waited` (it exits; it goes once its parent calls wait(), which
 * pidscope cannot know), `zombie` (it exits under a parent that never reaps: it stays),
 * `survives` (the signal does not end it), `handles` (it has a handler: up to the program),
 * `killed` (its namespace's PID 1 ends, and the kernel kills it).
 */
export const SubtreeFate = Type.Union([
  Type.Literal('exits'),
  Type.Literal('exits-if-waited'),
  Type.Literal('zombie'),
  Type.Literal('survives'),
  Type.Literal('handles'),
  Type.Literal('killed'),
]);
export type SubtreeFate = Static<typeof SubtreeFate>;

/**
 * What sending did to a member ([R8]): `sent`; `gone` (it exited before its turn); `reused` (its
 * PID names another process now: not hit); `denied` (the kernel refused).
 */
export const MemberResult = Type.Union([
  Type.Literal('sent'),
  Type.Literal('gone'),
  Type.Literal('reused'),
  Type.Literal('denied'),
]);
export type MemberResult = Static<typeof MemberResult>;

/** One process of a subtree signal ([R8]). */
export const SubtreeMember = Type.Object(
  {
    ...Brief.properties,
    /** Its parent when the request arrived. */
    ppid: Count,
    /** 0 for the root, 1 for its children, … */
    depth: Count,
    state: Type.String({ maxLength: 1 }),
    effect: SignalEffect,
    fate: SubtreeFate,
    /** Who adopts it when its parent exits before it does; null when it keeps its parent. */
    newParent: Nullable(Reaper),
    /** The parent it ends under when that one does not reap it (`zombie`); else null. */
    zombieOf: Nullable(Brief),
    /** What sending did; null in a dry run. */
    result: Nullable(MemberResult),
    /**
     * Real request, a member the signal ends: whether it had exited (a zombie or gone) before the
     * next level was signalled, or the agent stopped waiting; null otherwise.
     */
    exited: Nullable(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SubtreeMember = Static<typeof SubtreeMember>;

/** The numbers of a subtree signal: its members by fate, and how many are orphaned ([R8]). */
export const SubtreeCounts = Type.Object(
  {
    members: Count,
    /** `exits` and `exits-if-waited`. */
    exits: Count,
    zombies: Count,
    /** `survives` and `handles`. */
    survives: Count,
    killed: Count,
    /** Members adopted by another process (`newParent`) because their parent exits first. */
    orphans: Count,
  },
  { additionalProperties: false },
);
export type SubtreeCounts = Static<typeof SubtreeCounts>;

/** A signal to a process and its descendants: the order and every member ([R8]). */
export const SubtreeSignal = Type.Object(
  {
    order: SubtreeOrder,
    counts: SubtreeCounts,
    /** In the order they are signalled. */
    members: Type.Array(SubtreeMember),
  },
  { additionalProperties: false },
);
export type SubtreeSignal = Static<typeof SubtreeSignal>;

/** `counts` of a subtree signal, from its members. */
export function subtreeCounts(members: readonly SubtreeMember[]): SubtreeCounts {
  const c: SubtreeCounts = {
    members: members.length,
    exits: 0,
    zombies: 0,
    survives: 0,
    killed: 0,
    orphans: 0,
  };
  for (const m of members) {
    if (m.fate === 'exits' || m.fate === 'exits-if-waited') c.exits++;
    else if (m.fate === 'zombie') c.zombies++;
    else if (m.fate === 'killed') c.killed++;
    else c.survives++;
    if (m.newParent) c.orphans++;
  }
  return c;
}

/** The answer to POST /api/v1/processes/:pid/signal. */
export const SignalAnswer = Type.Object(
  {
    dryRun: Type.Boolean(),
    sent: Type.Boolean(),
    /** The root's preview; with a subtree its `text` speaks of the whole subtree. */
    preview: SignalPreview,
    message: Type.String(),
    /** Only for `"subtree": true`. */
    subtree: Type.Optional(SubtreeSignal),
  },
  { additionalProperties: false },
);
export type SignalAnswer = Static<typeof SignalAnswer>;

/** How a zombie can be cleared: signal its parent, restart its container, or wait for host init. */
export const ReapPlan = Type.Union([
  Type.Literal('signal-parent'),
  Type.Literal('restart-container'),
  Type.Literal('wait'),
]);
export type ReapPlan = Static<typeof ReapPlan>;

/** The answer to POST /api/v1/processes/:pid/reap. */
export const ReapAnswer = Type.Object(
  {
    dryRun: Type.Boolean(),
    done: Type.Boolean(),
    plan: ReapPlan,
    zombie: Brief,
    parent: Nullable(Brief),
    container: Type.Union([
      Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    /** What the parent gets with plan `signal-parent`; null otherwise. */
    signal: Nullable(ReapSignal),
    preview: Nullable(SignalPreview),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type ReapAnswer = Static<typeof ReapAnswer>;

/** A line of a demo's explanation, shown once `afterMs` have passed since it started. */
export const DemoStep = Type.Object(
  { afterMs: Count, text: Type.String() },
  { additionalProperties: false },
);
export type DemoStep = Static<typeof DemoStep>;

/** A demo that runs: POST /api/v1/demos/:name answers it. */
export const DemoRun = Type.Object(
  {
    id: Type.String(),
    /** A name from the catalogue; a new demo is one catalogue entry, so this is no closed list. */
    name: Type.String(),
    startedAt: Type.Number(),
    expiresAt: Type.Number(),
    containers: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          name: Type.String(),
          /** Host PID of the container's PID 1 (docker-init's with --init). */
          initPid: Nullable(HostPid),
        },
        { additionalProperties: false },
      ),
    ),
    /** Host PIDs: container init PIDs, or the host process. */
    pids: Type.Array(HostPid),
    steps: Type.Array(DemoStep),
  },
  { additionalProperties: false },
);
export type DemoRun = Static<typeof DemoRun>;

/** What the live model shows of a running demo, so a UI can narrate it. */
export const DemoObserved = Type.Object(
  {
    processes: Count,
    zombies: Count,
    pidsCurrent: Nullable(Count),
    pidsMax: Nullable(Count),
    forkFailures: Nullable(Count),
  },
  { additionalProperties: false },
);
export type DemoObserved = Static<typeof DemoObserved>;

/** A running demo as GET /api/v1/demos lists it. */
export const DemoRunObserved = Type.Object(
  { ...DemoRun.properties, observed: DemoObserved },
  { additionalProperties: false },
);
export type DemoRunObserved = Static<typeof DemoRunObserved>;

/** One entry of GET /api/v1/demos: the catalogue's, whether it can start, and its runs. */
export const DemoInfo = Type.Object(
  {
    name: Type.String(),
    title: Type.String(),
    description: Type.String(),
    needsDocker: Type.Boolean(),
    available: Type.Boolean(),
    /** Why it cannot start now; null when available. */
    reason: Nullable(Type.String()),
    steps: Type.Array(DemoStep),
    running: Type.Array(DemoRunObserved),
  },
  { additionalProperties: false },
);
export type DemoInfo = Static<typeof DemoInfo>;

/** GET /api/v1/demos */
export const DemoList = Type.Object(
  {
    /** The agent's clock, so a UI can time the steps whatever its own clock says. */
    now: Type.Number(),
    docker: DockerStatus,
    readOnly: Type.Boolean(),
    demos: Type.Array(DemoInfo),
  },
  { additionalProperties: false },
);
export type DemoList = Static<typeof DemoList>;

/** DELETE /api/v1/demos/:id */
export const DemoStopped = Type.Object(
  { id: Type.String(), name: Type.String(), stopped: Type.Literal(true) },
  { additionalProperties: false },
);
export type DemoStopped = Static<typeof DemoStopped>;

/** One line of the audit file: one answer of an action route. */
export const AuditEntry = Type.Object(
  {
    /** ms since epoch. */
    at: Type.Number(),
    /** `token:<short hash>` of the token the request proved it holds; the token is never written. */
    actor: Nullable(Type.String()),
    /** Remote address of the request ("-" on a summary of refusals). */
    remote: Type.String(),
    /** e.g. "signal", "reap", "demo-start", "demo-stop". */
    action: Type.String(),
    dryRun: Type.Boolean(),
    target: Type.Union([
      Type.Object(
        {
          pid: Nullable(HostPid),
          startTime: Nullable(Ticks),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    signal: Nullable(Type.String()),
    /** HTTP status answered. */
    status: Type.Integer(),
    /** What happened, in words (or the refusal's code and message). */
    outcome: Type.String(),
    /** Extra context: demo name/id, container, plan. */
    detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /**
     * Who the request was made for, when it came through a hub: the hub's `x-pidscope-via` header
     * (`hub <the hub's own actor: its Bearer client or browser session>`). Only requests that
     * proved they hold the token are audited, so only a holder can set it.
     */
    via: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type AuditEntry = Static<typeof AuditEntry>;

/** Requests refused before they proved they hold the token, counted since the agent started. */
export const AuditRefusals = Type.Object(
  {
    total: Count,
    byCode: Type.Record(Type.String(), Count),
  },
  { additionalProperties: false },
);
export type AuditRefusals = Static<typeof AuditRefusals>;

/** GET /api/v1/audit */
export const AuditAnswer = Type.Object(
  { entries: Type.Array(AuditEntry), refused: AuditRefusals },
  { additionalProperties: false },
);
export type AuditAnswer = Static<typeof AuditAnswer>;
