import { type CgroupLine, cgroupPathFor, unifiedCgroupPath } from './pidCgroup.js';
import type { ContainerRuntime } from './processRecord.js';

export interface ContainerAttribution {
  /** Full 64-hex id. */
  containerId: string;
  runtime: ContainerRuntime;
}

/*
 * One path segment that ends in a container id: an optional prefix ending in `-` or `:`
 * (`docker-`, `cri-containerd-`, `crio-`, `libpod-`, `libpod-payload-`,
 * `kubepods-…slice:cri-containerd:`), the id, and an optional `.scope`.
 */
const SEGMENT = /^(?:(.*)[-:])?([0-9a-f]{64})(?:\.scope)?$/;

/**
 * Finds the container a cgroup path belongs to: the last segment holding a 64-hex id wins, so
 * nested setups (Docker-in-Docker, kind) give the innermost container. Monitors that sit next to
 * a container (`libpod-conmon-<id>`, `crio-conmon-<id>`) are not the container.
 */
export function containerFromCgroupPath(path: string): ContainerAttribution | null {
  const segments = path.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const m = SEGMENT.exec(segments[i] as string);
    if (!m) continue;
    const prefix = m[1] ?? '';
    if (prefix.endsWith('conmon')) continue;
    const runtime = runtimeFromPrefix(prefix, segments.slice(0, i));
    if (runtime) return { containerId: m[2] as string, runtime };
  }
  return null;
}

function runtimeFromPrefix(prefix: string, parents: readonly string[]): ContainerRuntime | null {
  if (prefix.includes('libpod')) return 'podman';
  if (prefix.includes('crio')) return 'cri-o';
  if (prefix.includes('containerd')) return 'containerd';
  if (prefix.includes('docker')) return 'docker';
  if (prefix !== '') return null;
  // A bare id: `/docker/<id>` (cgroupfs driver, or any --cgroup-parent) is Docker; under
  // `/kubepods/<qos>/pod<uid>/` the kubelet's cgroupfs driver does not say which CRI made it,
  // and containerd is by far the most common one.
  return parents.some((p) => p.startsWith('kubepods')) ? 'containerd' : 'docker';
}

/**
 * Attributes a process to a container from its /proc/<pid>/cgroup lines. Prefers the `0::` line
 * (it keeps its path on zombies, whose v1 lines read `/`), then the `pids` and `name=systemd`
 * v1 lines, then any other line. Returns null for host processes and for zombies whose lines
 * all read `/` — group those by PID namespace instead (the scanner does).
 */
export function attributeContainer(lines: readonly CgroupLine[]): ContainerAttribution | null {
  const candidates = [
    unifiedCgroupPath(lines),
    cgroupPathFor(lines, 'pids'),
    cgroupPathFor(lines, 'name=systemd'),
    ...lines.map((l) => l.path),
  ];
  for (const path of candidates) {
    if (path === null || path === '/') continue;
    const found = containerFromCgroupPath(path);
    if (found) return found;
  }
  return null;
}
