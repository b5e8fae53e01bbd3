import type { PidNamespaces, ProcessRecord } from '@pidscope/procfs';
import {
  type Container,
  compareContainers,
  compareProcesses,
  type DockerStatus,
  diff,
  type Event,
  type Host,
  isEmptyPatch,
  isNamespaceInit,
  type Namespaces,
  NO_NAMESPACES,
  type Patch,
  type Process,
  processFrom,
  processKey,
  type State,
  type ZombieAnalysis,
} from '@pidscope/protocol';
import type { ProcessChanges, Sample, SampleCause, SourceStatus } from '../sampler/messages.js';
import type { Redactor } from '../security/redact.js';
import { buildContainers, type DockerContainer, sameCgroups } from './containers.js';
import { Trends } from './eta.js';
import { EventRing } from './eventRing.js';
import { type Blame, containerEvents, type NewEvent, processEvents } from './events.js';
import { analyseZombie } from './zombie.js';

export interface DockerView {
  status: DockerStatus;
  containers: ReadonlyMap<string, DockerContainer>;
}

/**
 * What brought an update: a sample (by its cause), a Docker change, or a commit of what comes
 * without either (queued events, the source, estimates the clock moved).
 */
export type TickCause = SampleCause | 'docker' | 'commit';

/** What one update did: the new state, and the patch from the previous one (null: no change). */
export interface Tick {
  state: State;
  patch: Patch | null;
  events: Event[];
  /**
   * When it happened: when the sample's reading began, or the Docker change's time. It dates the
   * events; the recording stamps a tick when it is published instead (plugins/history.ts).
   */
  at: number;
  cause: TickCause;
}

const EMPTY_HOST: Host = {
  hostname: '',
  pidMax: 0,
  threadsMax: 0,
  tasks: 0,
  processes: 0,
  zombies: 0,
  kernelThreads: 0,
  headroom: 0,
  etaSeconds: null,
  namespaces: NO_NAMESPACES,
  pidNamespace: null,
  source: 'polling',
  sourceReason: 'no sample yet',
};

/**
 * The one place a procfs record becomes a protocol Process: the schema's fields of the record,
 * and when the agent first saw it as a zombie. So it is also the one place secrets leave its
 * command line: everything the agent sends is made from these (and `docker exec` commands, which
 * buildContainers passes through the same redactor).
 */
function toProcess(r: ProcessRecord, zombieSince: number | null, redact: Redactor): Process {
  const p = processFrom(r, zombieSince);
  p.cmdline = [...redact(r.cmdline)];
  return p;
}

/**
 * The live model: successive samples and Docker views in, a State with a seq and events out.
 * No I/O here; the model plugin feeds it from the sampler worker and the Docker watcher.
 *
 * A sample says what changed (records new or changed, keys gone), and the model keeps its
 * indexes up to date from that alone: the work per sample follows the changes, not the number of
 * processes, except for the state's sorted list and the containers, rebuilt when published.
 */
export class LiveModel {
  #state: State;
  /** Every process now, by key. Ahead of #state while changes are unpublished. */
  #byKey = new Map<string, Process>();
  #byPid = new Map<number, Process>();
  #byPpid = new Map<number, Set<Process>>();
  #nsInit = new Map<number, Process>();
  /**
   * Keys changed since #state was published, each with the process #state holds under it
   * (undefined: none). The next patch is the diff of these before and after.
   */
  #unpublished = new Map<string, Process | undefined>();
  #containers = new Map<string, Container>();
  #sample: Sample | null = null;
  #source: SourceStatus = { kind: 'polling', reason: 'no sample yet' };
  #pending: NewEvent[] = [];
  #ring: EventRing;
  #nextEventId = 1;
  #lastEventAt = 0;
  /** The parent of each zombie when it appeared, by the zombie's key, until it is reaped. */
  #blamed = new Map<string, Blame>();
  /** Tasks of the host and pids.current of each limited container, for the time-to-full. */
  #trends = new Trends();
  /** The namespaces read of each process that was asked about, by key. */
  #namespaces = new Map<string, Namespaces>();
  /** A process of a container came, went or changed since the containers were last built. */
  #membersChanged = true;
  /** The Docker view the containers were last built from. */
  #dockerSeen: DockerView | null = null;

  constructor(
    readonly hostname: string,
    docker: DockerStatus,
    ringCapacity = 2000,
    private readonly redact: Redactor = (argv) => argv,
    /** Ids go on from the last recorded run's, so they stay unique across restarts. */
    firstEventId = 1,
    /** Reads a process's namespaces (procfs in the agent); asked once per process. */
    private readonly readNamespaces: (pid: number) => PidNamespaces | null = () => null,
  ) {
    this.#ring = new EventRing(ringCapacity);
    this.#nextEventId = firstEventId;
    this.#state = {
      seq: 0,
      host: { ...EMPTY_HOST, hostname },
      docker,
      containers: [],
      processes: [],
    };
  }

  get state(): State {
    return this.#state;
  }

  /**
   * The last sample applied (scan timing and raw cgroup numbers), or null before the first. Its
   * change lists are empty: the model holds what they said.
   */
  get lastSample(): Sample | null {
    return this.#sample;
  }

  /** Applies a new sample. The first one sets the baseline and yields no process events. */
  applySample(sample: Sample, docker: DockerView): Tick {
    const previous = this.#sample;
    // A full sample lists every process: kept whole, it would hold a second copy of the table
    // until the next sample, which under kernel events can be minutes away on a quiet host.
    this.#sample = { ...sample, changed: [], removed: [] };
    const events = this.#applyChanges(sample, sample.at);
    // Containers are made of their processes, their pids cgroups and Docker's view: when none of
    // those moved (most samples under kernel events), the last ones stand. A change Docker made
    // in place is applied by its own update (applyDocker) a moment later.
    const rebuild =
      previous === null ||
      this.#membersChanged ||
      docker.containers !== this.#dockerSeen?.containers ||
      docker.status !== this.#dockerSeen?.status ||
      !sameCgroups(previous.cgroups, sample.cgroups);
    return this.#commit(
      rebuild ? docker : null,
      previous === null ? [] : events,
      previous === null,
      sample.at,
      sample.cause,
    );
  }

  /**
   * Brings the processes and their indexes up to date with what changed, touching only those
   * processes; returns the process events the changes make.
   */
  #applyChanges(changes: ProcessChanges, at: number): NewEvent[] {
    // Before and after of each process the changes touch, in the order events are told.
    const before = new Map<string, Process>();
    const after = new Map<string, Process>();
    const keys = changes.changed.map(processKey);
    const removed = changes.full ? this.#keysMissingFrom(keys) : changes.removed;
    for (const key of removed) {
      const p = this.#byKey.get(key);
      if (!p) continue;
      this.#touch(key);
      this.#byKey.delete(key);
      this.#unindex(p);
      before.set(key, p);
      // PID 1's namespace tells which containers share the host's.
      if (p.containerId || p.pid === 1) this.#membersChanged = true;
    }
    for (let i = 0; i < keys.length; i++) {
      const r = changes.changed[i] as ProcessRecord;
      const key = keys[i] as string;
      const old = this.#byKey.get(key);
      const zombieSince = r.state === 'Z' ? (old?.zombieSince ?? at) : null;
      const p = toProcess(r, zombieSince, this.redact);
      if (p.containerId || old?.containerId || p.pid === 1) this.#membersChanged = true;
      this.#touch(key);
      if (old) {
        this.#unindex(old);
        before.set(key, old);
      }
      // A changed process keeps its place in the map, so the state's list stays nearly sorted.
      this.#byKey.set(key, p);
      this.#index(p);
      after.set(key, p);
    }
    const events = processEvents(before, after, this.#byPid, at, this.#blamed);
    for (const e of events) {
      const key = processKey(e);
      if (e.type === 'zombie-appeared') {
        const { parentPid, parentStartTime, parentComm } = e;
        this.#blamed.set(
          key,
          parentStartTime === undefined
            ? { parentPid }
            : { parentPid, parentStartTime, parentComm },
        );
      } else if (e.type === 'zombie-reaped') this.#blamed.delete(key);
    }
    return events;
  }

  /** How the sampler learns of changes now ([S6]); published with the next update. */
  setSource(source: SourceStatus): void {
    this.#source = source;
  }

  /** Rebuilds containers after Docker changed (or went away), without a new scan. */
  applyDocker(docker: DockerView, at = Date.now()): Tick {
    return this.#commit(docker, [], this.#sample === null, at, 'docker');
  }

  /**
   * Publishes what comes without a sample or a Docker change: queued events, the source, and the
   * time-to-full estimates at `at` with the counts of the last update (the clock alone moves
   * them: a count that stopped rising loses its estimate). Processes, containers and Docker stay
   * as the last update left them.
   */
  commit(at = Date.now()): Tick {
    return this.#commit(null, [], this.#sample === null, at, 'commit');
  }

  /** Whether any time-to-full estimate is out: only then does the clock alone change the state. */
  get estimating(): boolean {
    return (
      this.#state.host.etaSeconds !== null ||
      this.#state.containers.some((c) => c.etaSeconds !== null)
    );
  }

  /** Queues an event (e.g. from an action); it goes out with the next update. */
  recordEvent(event: NewEvent): void {
    this.#pending.push(event);
  }

  events(since: number): Event[] {
    return this.#ring.since(since);
  }

  findProcess(pid: number): Process | undefined {
    return this.#byPid.get(pid);
  }

  findByKey(key: string): Process | undefined {
    return this.#byKey.get(key);
  }

  /** Children of a process, in the state's order. */
  children(parent: Process): Process[] {
    const set = this.#byPpid.get(parent.pid);
    return set ? [...set].sort(compareProcesses) : [];
  }

  container(id: string): Container | undefined {
    const exact = this.#containers.get(id);
    if (exact || id.length >= 64 || id.length < 12) return exact;
    for (const c of this.#containers.values()) if (c.id.startsWith(id)) return c;
    return undefined;
  }

  /** The PID 1 of a PID namespace: a container's init, or the host's PID 1. */
  namespaceInit(pidNs: number | null): Process | undefined {
    const nested = pidNs === null ? undefined : this.#nsInit.get(pidNs);
    return nested ?? (this.#byPid.get(1)?.pidNs === pidNs ? this.#byPid.get(1) : undefined);
  }

  zombieAnalysis(pid: number, now = Date.now()): ZombieAnalysis | null {
    const z = this.#byPid.get(pid);
    if (!z) return null;
    return analyseZombie(z, {
      byPid: this.#byPid,
      nsInit: (ns) => this.namespaceInit(ns),
      container: (id) => this.#containers.get(id),
      now,
    });
  }

  /** Keys the model holds that a full sample does not: those processes are gone. */
  #keysMissingFrom(keys: readonly string[]): string[] {
    if (this.#byKey.size === 0) return [];
    const present = new Set(keys);
    return [...this.#byKey.keys()].filter((key) => !present.has(key));
  }

  /** Remembers what the published state holds under `key`, before the key's first change. */
  #touch(key: string): void {
    if (!this.#unpublished.has(key)) this.#unpublished.set(key, this.#byKey.get(key));
  }

  #index(p: Process): void {
    this.#byPid.set(p.pid, p);
    const siblings = this.#byPpid.get(p.ppid);
    if (siblings) siblings.add(p);
    else this.#byPpid.set(p.ppid, new Set([p]));
    if (p.pidNs !== null && isNamespaceInit(p)) this.#nsInit.set(p.pidNs, p);
  }

  #unindex(p: Process): void {
    // A reused PID may already belong to the next process with it.
    if (this.#byPid.get(p.pid) === p) this.#byPid.delete(p.pid);
    const siblings = this.#byPpid.get(p.ppid);
    siblings?.delete(p);
    if (siblings?.size === 0) this.#byPpid.delete(p.ppid);
    if (p.pidNs !== null && this.#nsInit.get(p.pidNs) === p) this.#nsInit.delete(p.pidNs);
  }

  /**
   * The next state and the patch to it; `docker` null keeps the last containers (and Docker
   * status) and only looks at their estimates again.
   */
  #commit(
    docker: DockerView | null,
    processEventsNow: NewEvent[],
    first: boolean,
    at: number,
    cause: TickCause,
  ): Tick {
    const sample = this.#sample;
    const prev = this.#state;
    // Unchanged processes are the very same objects in both states, and diff() finds nothing to
    // say about them: diffing only the touched ones gives the same patch for much less work.
    const touchedPrev: Process[] = [];
    const touchedNext: Process[] = [];
    for (const [key, old] of this.#unpublished) {
      const p = this.#byKey.get(key);
      if (old) touchedPrev.push(old);
      if (p) touchedNext.push(p);
    }
    const processes =
      this.#unpublished.size === 0 ? prev.processes : this.#nextProcesses(prev.processes);
    const prevContainers = this.#containers;
    const containers = sample
      ? this.#withEtas(
          docker
            ? this.#buildContainers(docker, processes, sample.cgroups, prevContainers)
            : new Map(prevContainers),
          at,
        )
      : new Map<string, Container>();
    const newEvents = [
      ...processEventsNow,
      ...(first ? [] : containerEvents(prevContainers, containers, at, (c) => this.#initOf(c))),
      ...this.#pending,
    ];
    this.#pending = [];
    this.#containers = containers;

    const hostInit = this.#byPid.get(1);
    const host: Host = sample
      ? {
          hostname: this.hostname,
          pidMax: sample.host.pidMax,
          threadsMax: sample.host.threadsMax,
          tasks: sample.host.tasks,
          processes: sample.host.processes,
          zombies: sample.host.zombies,
          kernelThreads: sample.host.kernelThreads,
          headroom: sample.host.headroom,
          etaSeconds: this.#trends.push(
            'host',
            at,
            sample.host.tasks,
            sample.host.tasks + sample.host.headroom,
          ),
          namespaces: hostInit ? this.#namespacesOf(hostInit) : NO_NAMESPACES,
          pidNamespace: hostInit?.pidNs ?? null,
          source: this.#source.kind,
          sourceReason: this.#source.reason,
        }
      : prev.host;
    const next: State = {
      seq: prev.seq + 1,
      host,
      docker: docker?.status ?? prev.docker,
      containers: [...containers.values()].sort(compareContainers),
      processes,
    };
    const events = newEvents.map((e) => this.#stamp(e));
    const patch = diff(
      { ...prev, processes: touchedPrev.sort(compareProcesses) },
      { ...next, processes: touchedNext.sort(compareProcesses) },
      events,
    );
    if (isEmptyPatch(patch)) return { state: prev, patch: null, events: [], at, cause };
    this.#state = next;
    this.#unpublished.clear();
    this.#ring.push(events);
    return { state: next, patch, events, at, cause };
  }

  /**
   * Every process now, in the state's order: the published list with the unpublished changes
   * applied. Untouched processes keep their places, an updated one (same identity) takes its old
   * one's, a gone one leaves, and new ones are merged in: the order a sort of all of them gives,
   * without sorting 3,000 processes on every commit (a dozen a second in a fork storm).
   */
  #nextProcesses(published: readonly Process[]): Process[] {
    // Each change at its place in the published list, found by binary search (the list is in
    // identity order): a dozen of them cost a few comparisons each, not a look at every process.
    const edits: Edit[] = [];
    for (const [key, old] of this.#unpublished) {
      const now = this.#byKey.get(key);
      const identity = old ?? now;
      if (identity) edits.push({ index: lowerBound(published, identity), old, now, identity });
    }
    // A new process goes before the one that holds its place: it sorts before it.
    edits.sort((a, b) => a.index - b.index || compareProcesses(a.identity, b.identity));
    const out: Process[] = [];
    let i = 0;
    for (const e of edits) {
      while (i < e.index) out.push(published[i++] as Process);
      if (e.old) i++;
      if (e.now) out.push(e.now);
    }
    while (i < published.length) out.push(published[i++] as Process);
    return out;
  }

  #buildContainers(
    docker: DockerView,
    processes: readonly Process[],
    cgroups: Sample['cgroups'],
    previous: ReadonlyMap<string, Container>,
  ): Map<string, Container> {
    this.#membersChanged = false;
    this.#dockerSeen = docker;
    return buildContainers({
      processes,
      cgroups,
      docker: docker.containers,
      dockerAvailable: docker.status.available,
      previous,
      namespacesOf: (p) => this.#namespacesOf(p),
      hostPidNamespace: this.#byPid.get(1)?.pidNs ?? null,
      redact: this.redact,
    });
  }

  /** Containers with their time to full: the trend of pids.current against the limit. */
  #withEtas(containers: Map<string, Container>, at: number): Map<string, Container> {
    const scopes = new Set<string>(['host']);
    for (const [id, c] of containers) {
      if (c.pidsCurrent === null || c.pidsMax === null) continue;
      scopes.add(id);
      const etaSeconds = this.#trends.push(id, at, c.pidsCurrent, c.pidsMax);
      if (etaSeconds !== c.etaSeconds) containers.set(id, { ...c, etaSeconds });
    }
    this.#trends.retain(scopes);
    return containers;
  }

  /** A process's namespaces, read once while it lives (the links of a process never change). */
  #namespacesOf(p: Process): Namespaces {
    const key = processKey(p);
    let ns = this.#namespaces.get(key);
    if (!ns) {
      const read = this.readNamespaces(p.pid);
      const { pid: _, ...rest } = read ?? { pid: null, ...NO_NAMESPACES };
      ns = rest;
      this.#namespaces.set(key, ns);
      // Forget the processes that are gone, now and then (one read per container's process).
      if (this.#namespaces.size > 2 * this.#containers.size + 16) {
        for (const k of this.#namespaces.keys())
          if (!this.#byKey.has(k)) this.#namespaces.delete(k);
      }
    }
    return ns;
  }

  #initOf(c: Container): Process | undefined {
    return c.initPid === null ? undefined : this.#byPid.get(c.initPid);
  }

  #stamp(e: NewEvent): Event {
    // Ring lookups by time need a non-decreasing `at` even when Docker and scans interleave.
    const at = Math.max(e.at, this.#lastEventAt);
    this.#lastEventAt = at;
    return { ...e, at, id: this.#nextEventId++ };
  }
}

/** A change to the published process list: what it held under a key, and what it holds now. */
interface Edit {
  /** Where the key is, or would be, in the published list. */
  index: number;
  old: Process | undefined;
  now: Process | undefined;
  /** The identity it is about: `old` or `now`, whichever there is (the same identity if both). */
  identity: Process;
}

/** The index of the first process of `sorted` (identity order) not before `p`. */
function lowerBound(sorted: readonly Process[], p: Process): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareProcesses(sorted[mid] as Process, p) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
