import type { PidsCgroup } from '@pidscope/procfs';
import {
  type Container,
  classifyInit,
  compareProcesses,
  type ExecSession,
  isNamespaceInit,
  type Namespaces,
  NO_NAMESPACES,
  type Process,
  sharedPidNamespaces,
} from '@pidscope/protocol';
import type { Redactor } from '../security/redact.js';

/** What Docker says about a running `docker exec` (see docker/dockerWatcher.ts). */
export interface DockerExec {
  id: string;
  /** The entrypoint and its arguments, as Docker holds them (unredacted). */
  command: string[];
  /** `docker exec -u`; '' when not given. */
  user: string;
  tty: boolean;
  /** Host PID of the process it started. */
  pid: number;
}

/** What Docker says about a container (see docker/dockerWatcher.ts). */
export interface DockerContainer {
  id: string;
  name: string;
  image: string;
  state: string;
  /** State.Pid: host PID of the container's PID 1 (docker-init with --init); null when not running. */
  initPid: number | null;
  hasInit: boolean;
  /** HostConfig.PidsLimit; null when unlimited. */
  pidsLimit: number | null;
  labels: Record<string, string>;
  /** Its running `docker exec` sessions whose process has started. */
  execs: readonly DockerExec[];
}

const LIVE_STATES = new Set(['running', 'paused', 'restarting']);

export interface ContainerInputs {
  processes: readonly Process[];
  cgroups: Readonly<Record<string, PidsCgroup | null>>;
  docker: ReadonlyMap<string, DockerContainer>;
  dockerAvailable: boolean;
  previous: ReadonlyMap<string, Container>;
  /** The namespaces of a (live) process, read once per process. */
  namespacesOf(p: Process): Namespaces;
  /** The host's PID namespace: a container in it shares the host's (`--pid host`). */
  hostPidNamespace: number | null;
  /** What a command line goes through before it leaves the agent; exec commands too. */
  redact: Redactor;
}

/**
 * [S10] The sessions Docker reports joined to the container's processes by host PID: a session
 * is listed once its process is seen, under that process's start time, and a later process with
 * its PID is not it.
 */
export function joinExecs(
  execs: readonly DockerExec[],
  members: readonly Process[],
  previous: readonly ExecSession[],
  redact: Redactor,
): ExecSession[] {
  if (execs.length === 0) return [];
  const out: ExecSession[] = [];
  for (const e of execs) {
    const p = members.find((m) => m.pid === e.pid);
    if (!p) continue;
    const before = previous.find((s) => s.id === e.id);
    if (before && before.startTime !== p.startTime) continue;
    out.push({
      id: e.id,
      command: [...redact(e.command)],
      user: e.user,
      tty: e.tty,
      pid: p.pid,
      startTime: p.startTime,
    });
  }
  return out.sort(compareProcesses);
}

/**
 * Joins procfs attribution (containerId per process, pids cgroup numbers) with Docker's view.
 * A container is shown while Docker says it runs, or while processes are attributed to it; when
 * Docker is away, its last known name and settings are kept for containers still running.
 */
export function buildContainers(inputs: ContainerInputs): Map<string, Container> {
  const { processes, cgroups, docker, dockerAvailable, previous, namespacesOf } = inputs;
  const members = new Map<string, Process[]>();
  for (const p of processes) {
    if (!p.containerId) continue;
    const list = members.get(p.containerId);
    if (list) list.push(p);
    else members.set(p.containerId, [p]);
  }
  const ids = new Set(members.keys());
  if (dockerAvailable) {
    for (const d of docker.values()) if (LIVE_STATES.has(d.state)) ids.add(d.id);
  }

  const out = new Map<string, Container>();
  for (const id of [...ids].sort()) {
    const procs = members.get(id) ?? [];
    const d = docker.get(id);
    const init =
      (d?.initPid ? procs.find((p) => p.pid === d.initPid) : undefined) ??
      procs.find(isNamespaceInit);
    const cg = cgroups[id] ?? null;
    // A zombie's net, mnt, uts and cgroup links are gone: its namespaces are read off a live one.
    const live = init && init.state !== 'Z' ? init : procs.find((p) => p.state !== 'Z');
    const initReaps = init ? classifyInit(init.comm, init.cmdline)?.reaps === true : false;
    out.set(id, {
      id,
      name: d?.name ?? id.slice(0, 12),
      image: d?.image ?? '',
      state: d && dockerAvailable ? d.state : 'running',
      runtime: d ? 'docker' : (procs[0]?.runtime ?? null),
      initPid: init?.pid ?? (d?.initPid || null),
      hasInit: (d?.hasInit ?? false) || initReaps,
      pidNamespace: init?.pidNs ?? procs[0]?.pidNs ?? null,
      sharesPidNamespaceWith: [],
      hostPidNamespace: false,
      namespaces: live ? namespacesOf(live) : (previous.get(id)?.namespaces ?? NO_NAMESPACES),
      pidsCurrent: cg ? cg.current : null,
      pidsMax: cg ? cg.effectiveMax : (d?.pidsLimit ?? null),
      forkFailures: cg ? cg.forkFailures : (previous.get(id)?.forkFailures ?? 0),
      pidsPeak: cg ? cg.peak : null,
      labels: d?.labels ?? {},
      execs: joinExecs(d?.execs ?? [], procs, previous.get(id)?.execs ?? [], inputs.redact),
      // The model fills it in from the trend of pids.current.
      etaSeconds: null,
    });
  }
  for (const [id, sharing] of sharedPidNamespaces([...out.values()], inputs.hostPidNamespace)) {
    const c = out.get(id) as Container;
    out.set(id, { ...c, ...sharing });
  }
  return out;
}

/** Whether two readings of a pids cgroup say the same (undefined: not read at all). */
export function samePids(
  a: PidsCgroup | null | undefined,
  b: PidsCgroup | null | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  return (
    a.path === b.path &&
    a.current === b.current &&
    a.max === b.max &&
    a.effectiveMax === b.effectiveMax &&
    a.forkFailures === b.forkFailures &&
    a.peak === b.peak
  );
}

/** Whether two samples' pids cgroups say the same for every container. */
export function sameCgroups(
  a: Readonly<Record<string, PidsCgroup | null>>,
  b: Readonly<Record<string, PidsCgroup | null>>,
): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((id) => samePids(a[id], b[id]));
}
