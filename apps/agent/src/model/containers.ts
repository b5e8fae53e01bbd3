import type { PidsCgroup } from '@pidscope/procfs';
import {
  type Container,
  isNamespaceInit,
  type Namespaces,
  type Process,
  sharedPidNamespaces,
} from '@pidscope/protocol';
import { classifyInit } from './inits.js';

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
}

const LIVE_STATES = new Set(['running', 'paused', 'restarting']);

/** Namespaces nobody could read. */
export const NO_NAMESPACES: Namespaces = {
  net: null,
  mnt: null,
  ipc: null,
  uts: null,
  user: null,
  cgroup: null,
};

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
