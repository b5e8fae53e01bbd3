import type { ProcessRecord } from '@pidscope/procfs';
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
  type Patch,
  type Process,
  processKey,
  type State,
  type ZombieAnalysis,
} from '@pidscope/protocol';
import type { SampleResult } from '../sampler/messages.js';
import { buildContainers, type DockerContainer } from './containers.js';
import { EventRing } from './eventRing.js';
import { containerEvents, type NewEvent, processEvents } from './events.js';
import { analyseZombie } from './zombie.js';

export interface DockerView {
  status: DockerStatus;
  containers: ReadonlyMap<string, DockerContainer>;
}

/** What one update did: the new state, and the patch from the previous one (null: no change). */
export interface Tick {
  state: State;
  patch: Patch | null;
  events: Event[];
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
};

function toProcess(r: ProcessRecord, zombieSince: number | null): Process {
  return {
    pid: r.pid,
    ppid: r.ppid,
    state: r.state,
    comm: r.comm,
    cmdline: r.cmdline,
    startTime: r.startTime,
    threads: r.threads,
    uid: r.uid,
    kernelThread: r.kernelThread,
    nsPids: r.nsPids,
    pidNs: r.pidNs,
    containerId: r.containerId,
    runtime: r.runtime,
    rssBytes: r.rssBytes,
    zombieSince,
  };
}

/**
 * The live model: successive samples and Docker views in, a State with a seq and events out.
 * No I/O here; the model plugin feeds it from the sampler worker and the Docker watcher.
 */
export class LiveModel {
  #state: State;
  #byKey = new Map<string, Process>();
  #records = new Map<string, ProcessRecord>();
  /** The processes of #state (the last state published), by key. */
  #committed = new Map<string, Process>();
  #byPid = new Map<number, Process>();
  #byPpid = new Map<number, Process[]>();
  #nsInit = new Map<number, Process>();
  #containers = new Map<string, Container>();
  #sample: SampleResult | null = null;
  #pending: NewEvent[] = [];
  #ring: EventRing;
  #nextEventId = 1;
  #lastEventAt = 0;

  constructor(
    readonly hostname: string,
    docker: DockerStatus,
    ringCapacity = 2000,
  ) {
    this.#ring = new EventRing(ringCapacity);
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

  /** The last sample applied (scan timing and raw cgroup numbers), or null before the first. */
  get lastSample(): SampleResult | null {
    return this.#sample;
  }

  /** Applies a new scan. The first one sets the baseline and yields no process events. */
  applySample(sample: SampleResult, docker: DockerView): Tick {
    const first = this.#sample === null;
    this.#sample = sample;
    const at = sample.at;
    const byKey = new Map<string, Process>();
    const records = new Map<string, ProcessRecord>();
    for (const r of sample.processes) {
      const key = processKey(r);
      records.set(key, r);
      const before = this.#byKey.get(key);
      // The sampler hands over the same record object while a process is unchanged.
      if (before && this.#records.get(key) === r) {
        byKey.set(key, before);
        continue;
      }
      const zombieSince = r.state === 'Z' ? (before?.zombieSince ?? at) : null;
      byKey.set(key, toProcess(r, zombieSince));
    }
    this.#records = records;
    const prevByKey = this.#byKey;
    this.#index(byKey);
    const events = first ? [] : processEvents(prevByKey, byKey, this.#byPid, at);
    return this.#commit(docker, events, first, at);
  }

  /** Rebuilds containers after Docker changed (or went away), without a new scan. */
  applyDocker(docker: DockerView, at = Date.now()): Tick {
    return this.#commit(docker, [], this.#sample === null, at);
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

  children(parent: Process): Process[] {
    return this.#byPpid.get(parent.pid) ?? [];
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

  #index(byKey: Map<string, Process>): void {
    this.#byKey = byKey;
    this.#byPid = new Map();
    this.#byPpid = new Map();
    this.#nsInit = new Map();
    for (const p of byKey.values()) {
      this.#byPid.set(p.pid, p);
      const siblings = this.#byPpid.get(p.ppid);
      if (siblings) siblings.push(p);
      else this.#byPpid.set(p.ppid, [p]);
      if (p.pidNs !== null && isNamespaceInit(p)) this.#nsInit.set(p.pidNs, p);
    }
  }

  #commit(docker: DockerView, processEventsNow: NewEvent[], first: boolean, at: number): Tick {
    const sample = this.#sample;
    const prevContainers = this.#containers;
    const containers = sample
      ? buildContainers({
          processes: [...this.#byKey.values()],
          cgroups: sample.cgroups,
          docker: docker.containers,
          dockerAvailable: docker.status.available,
          previous: prevContainers,
        })
      : new Map<string, Container>();
    const newEvents = [
      ...processEventsNow,
      ...(first ? [] : containerEvents(prevContainers, containers, at, (c) => this.#initOf(c))),
      ...this.#pending,
    ];
    this.#pending = [];
    this.#containers = containers;

    const prev = this.#state;
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
        }
      : prev.host;
    // Unchanged processes are the very same objects in both states, and diff() finds nothing to
    // say about them: diffing only the touched ones gives the same patch for much less work.
    const touchedPrev: Process[] = [];
    const touchedNext: Process[] = [];
    for (const [key, p] of this.#byKey) {
      const old = this.#committed.get(key);
      if (old === p) continue;
      touchedNext.push(p);
      if (old) touchedPrev.push(old);
    }
    for (const [key, old] of this.#committed) if (!this.#byKey.has(key)) touchedPrev.push(old);
    const untouched = touchedPrev.length === 0 && touchedNext.length === 0;
    const next: State = {
      seq: prev.seq + 1,
      host,
      docker: docker.status,
      containers: [...containers.values()].sort(compareContainers),
      processes: untouched ? prev.processes : [...this.#byKey.values()].sort(compareProcesses),
    };
    const events = newEvents.map((e) => this.#stamp(e));
    const patch = diff(
      { ...prev, processes: touchedPrev.sort(compareProcesses) },
      { ...next, processes: touchedNext.sort(compareProcesses) },
      events,
    );
    if (isEmptyPatch(patch)) return { state: prev, patch: null, events: [] };
    this.#state = next;
    this.#committed = this.#byKey;
    this.#ring.push(events);
    return { state: next, patch, events };
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
