import Type, { type Static } from 'typebox';

/** Bumped on any incompatible change to a message below. */
export const PROTOCOL_VERSION = 4;

const Pid = Type.Integer({ minimum: 0 });
const Ticks = Type.Integer({ minimum: 0 });
const Inode = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);

/** A process is identified by host PID + start time (clock ticks since boot). */
export const ProcessKey = Type.Object(
  { pid: Pid, startTime: Ticks },
  { additionalProperties: false },
);
export type ProcessKey = Static<typeof ProcessKey>;

export const Runtime = Type.Union([
  Type.Literal('docker'),
  Type.Literal('containerd'),
  Type.Literal('cri-o'),
  Type.Literal('podman'),
  Type.Null(),
]);

/**
 * One process: the schema every side builds from. A new field added here is sent, compared,
 * copied and applied by the rest of this package without another list to edit.
 */
export const Process = Type.Object(
  {
    pid: Pid,
    ppid: Pid,
    state: Type.String({ maxLength: 1 }),
    comm: Type.String(),
    cmdline: Type.Array(Type.String()),
    startTime: Ticks,
    threads: Type.Integer({ minimum: 0 }),
    uid: Type.Integer({ minimum: 0 }),
    kernelThread: Type.Boolean(),
    nsPids: Type.Array(Pid),
    pidNs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    containerId: Type.Union([Type.String(), Type.Null()]),
    runtime: Runtime,
    rssBytes: Type.Integer({ minimum: 0 }),
    /**
     * Percent of one CPU used over the agent's last interval (utime + stime): a process busy on
     * four CPUs reads 400. Changes only by a meaningful step ([S7]).
     */
    cpu: Type.Integer({ minimum: 0 }),
    /** ms since epoch when the agent first saw it in state Z; null when not a zombie. */
    zombieSince: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Process = Static<typeof Process>;

/**
 * [D5] Fields fixed for a process's lifetime besides its identity (pid, startTime): if one differs
 * under the same key, it is another process. Every other field of `Process` may change ([D4]).
 */
export const FIXED_PROCESS_FIELDS = [
  'kernelThread',
  'nsPids',
  'pidNs',
] as const satisfies readonly (keyof Process)[];

/**
 * [D4] A change to a process: its identity, and any of the fields that may change while it stays
 * the same, each optional. Derived from `Process`, so a new process field is updatable as it is added.
 */
export const ProcessUpdate = Type.Object(
  {
    ...ProcessKey.properties,
    ...Type.Partial(Type.Omit(Process, ['pid', 'startTime', ...FIXED_PROCESS_FIELDS])).properties,
  },
  { additionalProperties: false },
);
export type ProcessUpdate = Static<typeof ProcessUpdate>;

/** Inodes of a process's namespaces other than the PID one (/proc/<pid>/ns/*); null where unreadable. */
export const Namespaces = Type.Object(
  {
    net: Inode,
    mnt: Inode,
    ipc: Inode,
    uts: Inode,
    user: Inode,
    cgroup: Inode,
  },
  { additionalProperties: false },
);
export type Namespaces = Static<typeof Namespaces>;

/** The namespace kinds of `Namespaces`, in its order. */
export const NAMESPACE_KINDS = Object.keys(Namespaces.properties) as (keyof Namespaces)[];

/**
 * [S10] A `docker exec` session running in a container, joined to the process it started: the
 * root of a subtree that is no descendant of the container's PID 1.
 */
export const ExecSession = Type.Object(
  {
    /** Docker's exec id. */
    id: Type.String(),
    /** What was run: the entrypoint and its arguments, redacted like a command line. */
    command: Type.Array(Type.String()),
    /** The user asked for (`docker exec -u`); '' when none: the container's own user. */
    user: Type.String(),
    tty: Type.Boolean(),
    /** The process it started, by host PID and start time ([S1]). */
    pid: Pid,
    startTime: Ticks,
  },
  { additionalProperties: false },
);
export type ExecSession = Static<typeof ExecSession>;

export const Container = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    image: Type.String(),
    state: Type.String(),
    runtime: Runtime,
    /** Host PID of the container's PID 1 (docker-init's when run with --init); null when unknown. */
    initPid: Type.Union([Pid, Type.Null()]),
    /** Docker's HostConfig.Init, or whether PID 1 is a known reaping init when Docker is not asked. */
    hasInit: Type.Boolean(),
    /** The inode of its PID namespace (its PID 1's, or its main process's); null when unknown. */
    pidNamespace: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /**
     * [S9] The other containers in the same PID namespace (`--pid container:X`, compose
     * `pid: "service:X"`), by id, sorted.
     */
    sharesPidNamespaceWith: Type.Array(Type.String()),
    /** [S9] It runs in the host's PID namespace (`--pid host`): its PIDs are host PIDs. */
    hostPidNamespace: Type.Boolean(),
    /** Its other namespaces, read from its PID 1 (or main process). */
    namespaces: Namespaces,
    pidsCurrent: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /** null when unlimited. Effective limit: the smallest over ancestor cgroups. */
    pidsMax: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    forkFailures: Type.Integer({ minimum: 0 }),
    pidsPeak: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    labels: Type.Record(Type.String(), Type.String()),
    /** [S10] Its running `docker exec` sessions whose process the agent sees, by pid, start time. */
    execs: Type.Array(ExecSession),
    /** Seconds until pids.current reaches pidsMax at its recent trend; null: no limit or no rising trend. */
    etaSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Container = Static<typeof Container>;

export const Host = Type.Object(
  {
    hostname: Type.String(),
    pidMax: Type.Integer({ minimum: 0 }),
    threadsMax: Type.Integer({ minimum: 0 }),
    /** Tasks (threads) system-wide, from /proc/loadavg. */
    tasks: Type.Integer({ minimum: 0 }),
    processes: Type.Integer({ minimum: 0 }),
    zombies: Type.Integer({ minimum: 0 }),
    kernelThreads: Type.Integer({ minimum: 0 }),
    /** min(pidMax - 300, threadsMax) - tasks. */
    headroom: Type.Integer(),
    /** The namespaces of the host's PID 1: a container sharing one of them shares it with the host. */
    namespaces: Namespaces,
    /** The host's PID namespace inode (PID 1's). */
    pidNamespace: Inode,
    /** Seconds until tasks reach that limit at their recent trend; null when there is no rising trend. */
    etaSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    /**
     * [S6] How the agent learns that processes changed: the kernel's process events (the proc
     * connector, with a safety rescan) or a scan every interval.
     */
    source: Type.Union([Type.Literal('proc-connector'), Type.Literal('polling')]),
    /** [S6] Why the agent polls (the event source cannot run there); null with events. */
    sourceReason: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Host = Static<typeof Host>;

export const DockerStatus = Type.Object(
  {
    available: Type.Boolean(),
    /** Why Docker is unavailable (e.g. "connect ENOENT /var/run/docker.sock"); null when available. */
    reason: Type.Union([Type.String(), Type.Null()]),
    version: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type DockerStatus = Static<typeof DockerStatus>;

export const EventType = Type.Union([
  Type.Literal('zombie-appeared'),
  Type.Literal('zombie-reaped'),
  Type.Literal('reparented'),
  Type.Literal('exited'),
  Type.Literal('container-started'),
  Type.Literal('container-stopped'),
  Type.Literal('pids-limit-hit'),
]);
export type EventType = Static<typeof EventType>;

/** Every event type, in the schema's order: a new type is one literal above. */
export const EVENT_TYPES: readonly EventType[] = EventType.anyOf.map((t) => t.const);

export const ReaperKind = Type.Union([
  Type.Literal('namespace-init'),
  Type.Literal('subreaper'),
  Type.Literal('host-init'),
]);
export type ReaperKind = Static<typeof ReaperKind>;

export const Event = Type.Object(
  {
    /** Unique and increasing, across agent runs that record into one store ([H5]). */
    id: Type.Integer({ minimum: 0 }),
    type: EventType,
    /** ms since epoch. */
    at: Type.Number(),
    /** Host PID; 0 for container events without a process. */
    pid: Pid,
    startTime: Ticks,
    containerId: Type.Union([Type.String(), Type.Null()]),
    comm: Type.Optional(Type.String()),
    /** In-container PID (last NSpid), when the process is in a nested PID namespace. */
    nsPid: Type.Optional(Pid),
    /** reparented: old and new parent host PIDs, and what the new parent is. */
    oldPpid: Type.Optional(Pid),
    newPpid: Type.Optional(Pid),
    newParentKind: Type.Optional(ReaperKind),
    /**
     * zombie-appeared, zombie-reaped: the zombie's parent when it appeared (the process that did
     * not reap it), so a leak is blamed on a process even after it is gone.
     */
    parentPid: Type.Optional(Pid),
    parentStartTime: Type.Optional(Ticks),
    parentComm: Type.Optional(Type.String()),
    /** pids-limit-hit: fork failures now, and how many were added since the last scan. */
    forkFailures: Type.Optional(Type.Integer({ minimum: 0 })),
    delta: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Human-readable one-line summary. */
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type Event = Static<typeof Event>;

export const State = Type.Object(
  {
    seq: Type.Integer({ minimum: 0 }),
    host: Host,
    docker: DockerStatus,
    containers: Type.Array(Container),
    processes: Type.Array(Process),
  },
  { additionalProperties: false },
);
export type State = Static<typeof State>;

export const Hello = Type.Object(
  {
    type: Type.Literal('hello'),
    protocolVersion: Type.Integer(),
    hostname: Type.String(),
    kernel: Type.String(),
    agentVersion: Type.String(),
    capabilities: Type.Array(Type.String()),
    docker: DockerStatus,
    readOnly: Type.Boolean(),
    intervalMs: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type Hello = Static<typeof Hello>;

export const Snapshot = Type.Object(
  { type: Type.Literal('snapshot'), seq: Type.Integer({ minimum: 0 }), state: State },
  { additionalProperties: false },
);
export type Snapshot = Static<typeof Snapshot>;

export const Patch = Type.Object(
  {
    type: Type.Literal('patch'),
    seq: Type.Integer({ minimum: 1 }),
    /** The seq of the state this patch applies to; a client holding another seq must resync. */
    baseSeq: Type.Integer({ minimum: 0 }),
    added: Type.Array(Process),
    updated: Type.Array(ProcessUpdate),
    removed: Type.Array(ProcessKey),
    containers: Type.Object(
      {
        upserted: Type.Array(Container),
        removed: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
    /** Only the host fields that changed. */
    host: Type.Optional(Type.Partial(Host)),
    docker: Type.Optional(DockerStatus),
    events: Type.Array(Event),
  },
  { additionalProperties: false },
);
export type Patch = Static<typeof Patch>;

export const Heartbeat = Type.Object(
  { type: Type.Literal('heartbeat'), seq: Type.Integer({ minimum: 0 }), at: Type.Number() },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof Heartbeat>;

export const ServerMessage = Type.Union([Hello, Snapshot, Patch, Heartbeat]);
export type ServerMessage = Static<typeof ServerMessage>;

export const Resync = Type.Object(
  { type: Type.Literal('resync'), reason: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export type Resync = Static<typeof Resync>;

export const ClientMessage = Type.Union([Resync]);
export type ClientMessage = Static<typeof ClientMessage>;

export const ZombieAnalysis = Type.Object(
  {
    pid: Pid,
    startTime: Ticks,
    nsPid: Type.Union([Pid, Type.Null()]),
    zombieSince: Type.Number(),
    ageMs: Type.Number(),
    containerId: Type.Union([Type.String(), Type.Null()]),
    parent: Type.Union([
      Type.Object(
        {
          pid: Pid,
          startTime: Ticks,
          comm: Type.String(),
          cmdline: Type.Array(Type.String()),
          isContainerInit: Type.Boolean(),
          isHostInit: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    /** Whether the PID 1 of the zombie's namespace is a known reaping init; null when unknown. */
    initReaps: Type.Union([Type.Boolean(), Type.Null()]),
    initComm: Type.Union([Type.String(), Type.Null()]),
    /** What would clear it, in words. */
    fix: Type.String(),
  },
  { additionalProperties: false },
);
export type ZombieAnalysis = Static<typeof ZombieAnalysis>;

/** One thread of a process ([S8]): a task of its thread group, never a process of its own. */
export const Thread = Type.Object(
  {
    /** Host TID; the thread-group leader's is the PID. */
    tid: Pid,
    /** The TID inside the process's PID namespace (last NStid), when it is nested; else null. */
    nsTid: Type.Union([Pid, Type.Null()]),
    comm: Type.String(),
    state: Type.String({ maxLength: 1 }),
    /** Percent of one CPU since the agent last read this thread ([S8]). */
    cpu: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type Thread = Static<typeof Thread>;

/** GET /api/v1/processes/:pid/threads?startTime= — the threads of one process, by TID ([S8]). */
export const ThreadsAnswer = Type.Object(
  {
    pid: Pid,
    startTime: Ticks,
    /** When the agent read them, ms since epoch. */
    at: Type.Number(),
    threads: Type.Array(Thread),
  },
  { additionalProperties: false },
);
export type ThreadsAnswer = Static<typeof ThreadsAnswer>;
