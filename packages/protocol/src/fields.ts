// Objects that come off the wire are rebuilt from these known field names only, so a key such as
// `__proto__` or `constructor` in untrusted input is never copied, merged or used as a lookup.
import type { Container, DockerStatus, Host, Process, ProcessUpdate } from './schemas.js';

/** Process fields that may change while pid + startTime stay the same ([D4]). */
export const UPDATABLE_FIELDS = [
  'ppid',
  'state',
  'comm',
  'cmdline',
  'threads',
  'uid',
  'containerId',
  'runtime',
  'rssBytes',
  'zombieSince',
] as const satisfies readonly (keyof ProcessUpdate & keyof Process)[];
export type UpdatableField = (typeof UPDATABLE_FIELDS)[number];

/** Process fields fixed for a process's lifetime; a change means a different process ([D5]). */
export const IDENTITY_FIELDS = [
  'kernelThread',
  'nsPids',
  'pidNs',
] as const satisfies readonly (keyof Process)[];

export const HOST_FIELDS = [
  'hostname',
  'pidMax',
  'threadsMax',
  'tasks',
  'processes',
  'zombies',
  'kernelThreads',
  'headroom',
] as const satisfies readonly (keyof Host)[];

export const CONTAINER_FIELDS = [
  'id',
  'name',
  'image',
  'state',
  'runtime',
  'initPid',
  'hasInit',
  'pidNs',
  'pidsCurrent',
  'pidsMax',
  'forkFailures',
  'pidsPeak',
  'labels',
] as const satisfies readonly (keyof Container)[];

export const DOCKER_FIELDS = [
  'available',
  'reason',
  'version',
] as const satisfies readonly (keyof DockerStatus)[];

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

export function hasField<T extends object>(o: T, k: keyof T): boolean {
  return Object.hasOwn(o, k) && o[k] !== undefined;
}

export function cloneProcess(p: Process): Process {
  return {
    pid: p.pid,
    ppid: p.ppid,
    state: p.state,
    comm: p.comm,
    cmdline: [...p.cmdline],
    startTime: p.startTime,
    threads: p.threads,
    uid: p.uid,
    kernelThread: p.kernelThread,
    nsPids: [...p.nsPids],
    pidNs: p.pidNs,
    containerId: p.containerId,
    runtime: p.runtime,
    rssBytes: p.rssBytes,
    zombieSince: p.zombieSince,
  };
}

/** `p` with the fields present in `u` replaced; identity and fixed fields come from `p`. */
export function updateProcess(p: Process, u: ProcessUpdate): Process {
  const pick = <K extends UpdatableField>(k: K): Process[K] =>
    (hasField(u, k) ? u[k] : p[k]) as Process[K];
  return {
    pid: p.pid,
    ppid: pick('ppid'),
    state: pick('state'),
    comm: pick('comm'),
    cmdline: [...pick('cmdline')],
    startTime: p.startTime,
    threads: pick('threads'),
    uid: pick('uid'),
    kernelThread: p.kernelThread,
    nsPids: p.nsPids,
    pidNs: p.pidNs,
    containerId: pick('containerId'),
    runtime: pick('runtime'),
    rssBytes: pick('rssBytes'),
    zombieSince: pick('zombieSince'),
  };
}

/**
 * A copy of a string record. `Object.fromEntries` defines own data properties, so a label named
 * `__proto__` stays an ordinary label instead of replacing the object's prototype.
 */
export function cloneLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels));
}

export function cloneContainer(c: Container): Container {
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    state: c.state,
    runtime: c.runtime,
    initPid: c.initPid,
    hasInit: c.hasInit,
    pidNs: c.pidNs,
    pidsCurrent: c.pidsCurrent,
    pidsMax: c.pidsMax,
    forkFailures: c.forkFailures,
    pidsPeak: c.pidsPeak,
    labels: cloneLabels(c.labels),
  };
}

export function cloneDocker(d: DockerStatus): DockerStatus {
  return { available: d.available, reason: d.reason, version: d.version };
}

/** `h` with the fields present in `changes` replaced. */
export function updateHost(h: Host, changes: Partial<Host>): Host {
  const pick = <K extends keyof Host>(k: K): Host[K] =>
    (hasField(changes, k) ? changes[k] : h[k]) as Host[K];
  return {
    hostname: pick('hostname'),
    pidMax: pick('pidMax'),
    threadsMax: pick('threadsMax'),
    tasks: pick('tasks'),
    processes: pick('processes'),
    zombies: pick('zombies'),
    kernelThreads: pick('kernelThreads'),
    headroom: pick('headroom'),
  };
}
