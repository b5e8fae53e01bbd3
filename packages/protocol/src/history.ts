// The REST answers about recorded history ([H1]–[H8] in SPEC.md): what the agent serves and the
// UI reads, one schema for both.
import Type, { type Static, type TSchema } from 'typebox';
import {
  Container,
  EVENT_TYPES,
  Event,
  type EventType,
  Host,
  Process,
  ProcessUpdate,
  State,
} from './schemas.js';

const EpochMs = Type.Integer({ minimum: 0, description: 'ms since epoch' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** [H8] Whether the agent is recording, and why not. */
export const RecordingStatus = Type.Object(
  {
    state: Type.Union([Type.Literal('recording'), Type.Literal('paused'), Type.Literal('off')]),
    /**
     * Why recording is paused (`disk full`, `cannot write`) or off (`PIDSCOPE_MAX_DISK is 0`, …),
     * in a fixed phrase (it is served without a token); null while recording.
     */
    reason: Nullable(Type.String()),
    /** Since when it is in this state. */
    since: Type.Number(),
  },
  { additionalProperties: false },
);
export type RecordingStatus = Static<typeof RecordingStatus>;

/** [H1] GET /api/v1/history */
export const HistoryRange = Type.Object(
  {
    /** The first and last recorded moments; null when nothing is recorded. */
    from: Nullable(Type.Number()),
    to: Nullable(Type.Number()),
    /** Bytes the store takes on disk. */
    bytes: Type.Integer({ minimum: 0 }),
    keyframes: Type.Integer({ minimum: 0 }),
    recording: RecordingStatus,
  },
  { additionalProperties: false },
);
export type HistoryRange = Static<typeof HistoryRange>;

export const HistoryStateQuery = Type.Object({ at: EpochMs }, { additionalProperties: false });
export type HistoryStateQuery = Static<typeof HistoryStateQuery>;

/** [H2] [H3] GET /api/v1/history/state?at= */
export const HistoryState = Type.Object(
  {
    /** The moment asked for. */
    at: Type.Number(),
    /** When the state shown was published: the last recorded tick at or before `at`. */
    recordedAt: Type.Number(),
    state: State,
  },
  { additionalProperties: false },
);
export type HistoryState = Static<typeof HistoryState>;

export const HistoryDiffQuery = Type.Object(
  { from: EpochMs, to: EpochMs },
  { additionalProperties: false },
);
export type HistoryDiffQuery = Static<typeof HistoryDiffQuery>;

/** [H4] GET /api/v1/history/diff?from=&to= */
export const HistoryDiff = Type.Object(
  {
    from: Type.Number(),
    to: Type.Number(),
    processes: Type.Object(
      {
        /** Whole, as at `to`. */
        appeared: Type.Array(Process),
        /** Whole, as at `from`. */
        vanished: Type.Array(Process),
        /** The fields that differ, with their values at `to`. */
        changed: Type.Array(ProcessUpdate),
      },
      { additionalProperties: false },
    ),
    containers: Type.Object(
      {
        appeared: Type.Array(Container),
        vanished: Type.Array(Container),
        /** Whole, as at `to`. */
        changed: Type.Array(Container),
      },
      { additionalProperties: false },
    ),
    /** Host fields that differ, with their values at `to`. */
    host: Type.Partial(Host),
    /** Events after `from` up to and including `to`, oldest first ([H5] limits apply). */
    events: Type.Array(Event),
    /** True when older events in the interval were left out. */
    more: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type HistoryDiff = Static<typeof HistoryDiff>;

/** [H5] The most events one answer holds. */
export const MAX_EVENTS_LIMIT = 10_000;
export const DEFAULT_EVENTS_LIMIT = 1_000;

export const EventsQuery = Type.Object(
  {
    since: Type.Optional(EpochMs),
    until: Type.Optional(EpochMs),
    /** One event type, or several separated by commas. */
    type: Type.Optional(Type.String({ maxLength: 200 })),
    /** A full container id, or a prefix of 12+ hex digits. */
    containerId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{12,64}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EVENTS_LIMIT })),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;

/** [H5] GET /api/v1/events */
export const EventsAnswer = Type.Object(
  {
    /** The agent's clock, to pass as `since` next time. */
    now: Type.Number(),
    events: Type.Array(Event),
    /** True when older matching events were left out to keep to `limit`. */
    more: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type EventsAnswer = Static<typeof EventsAnswer>;

/** [H6] Values per bucket: the highest in the bucket, null where nothing was recorded. */
const Buckets = Type.Array(Nullable(Type.Number()));

export const HistorySeriesQuery = Type.Object(
  {
    from: EpochMs,
    to: EpochMs,
    points: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
  },
  { additionalProperties: false },
);
export type HistorySeriesQuery = Static<typeof HistorySeriesQuery>;

/** [H6] GET /api/v1/history/series?from=&to=&points= */
export const HistorySeries = Type.Object(
  {
    from: Type.Number(),
    to: Type.Number(),
    /** Bucket i covers [from + i·step, from + (i+1)·step). */
    step: Type.Number(),
    host: Type.Object(
      { tasks: Buckets, zombies: Buckets, headroom: Buckets, limit: Buckets },
      { additionalProperties: false },
    ),
    containers: Type.Array(
      Type.Object(
        { id: Type.String(), pidsCurrent: Buckets, pidsMax: Buckets, forkFailures: Buckets },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type HistorySeries = Static<typeof HistorySeries>;

/** [H5] The event types a `type` query value names (comma-separated), or the names that are unknown. */
export function parseEventTypes(
  raw: string,
): { types: ReadonlySet<EventType> } | { unknown: string[] } {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(EVENT_TYPES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0)
    return { unknown: unknown.length ? unknown : [raw] };
  return { types: new Set(names as EventType[]) };
}

export const ZombieLeadersQuery = Type.Object(
  { window: Type.Optional(Type.Union([Type.Literal('1h'), Type.Literal('24h')])) },
  { additionalProperties: false },
);
export type ZombieLeadersQuery = Static<typeof ZombieLeadersQuery>;

/** [H9] One parent command in one container image, and the zombies it left. */
export const ZombieLeader = Type.Object(
  {
    /** The container's image; null for processes outside containers. */
    image: Nullable(Type.String()),
    parentComm: Type.String(),
    containerId: Nullable(Type.String()),
    containerName: Nullable(Type.String()),
    /** Whether the container runs with an init that reaps; null outside containers or unknown. */
    hasInit: Nullable(Type.Boolean()),
    /** Zombies that appeared under such parents in the window. */
    created: Type.Integer({ minimum: 0 }),
    /** Of those, how many were reaped in the window. */
    reaped: Type.Integer({ minimum: 0 }),
    /** Zombies of such parents there now (whenever they appeared). */
    alive: Type.Integer({ minimum: 0 }),
    /** Age of the oldest of those; null when none is there. */
    oldestAgeMs: Nullable(Type.Number({ minimum: 0 })),
    /** `created` per hour of the window. */
    ratePerHour: Type.Number({ minimum: 0 }),
    /** The parent with the most zombies, to show: in the tree while it runs, else in the past. */
    parent: Type.Object(
      {
        pid: Type.Integer({ minimum: 0 }),
        startTime: Type.Integer({ minimum: 0 }),
        /** Whether that very process (pid and start time) runs now. */
        alive: Type.Boolean(),
        /** The last moment a zombie of it was seen appear: a moment to open in the past. */
        seenAt: Type.Number(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ZombieLeader = Static<typeof ZombieLeader>;

/** [H9] GET /api/v1/zombies/leaders?window=1h|24h */
export const ZombieLeaders = Type.Object(
  {
    window: Type.Union([Type.Literal('1h'), Type.Literal('24h')]),
    from: Type.Number(),
    to: Type.Number(),
    /** Most zombies created first, then most alive. */
    leaders: Type.Array(ZombieLeader),
  },
  { additionalProperties: false },
);
export type ZombieLeaders = Static<typeof ZombieLeaders>;
