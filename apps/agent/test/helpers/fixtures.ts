import type { Container, Process } from '@pidscope/protocol';

/** A process record with defaults; identity = pid + startTime. */
export function proc(p: Partial<Process> & { pid: number }): Process {
  return {
    ppid: 1,
    state: 'S',
    comm: 'sleep',
    cmdline: ['sleep', '600'],
    startTime: 1000 + p.pid,
    threads: 1,
    uid: 0,
    kernelThread: false,
    nsPids: [p.pid],
    pidNs: 4026531836,
    containerId: null,
    runtime: null,
    rssBytes: 4096,
    zombieSince: null,
    ...p,
  };
}

export const CID = 'a'.repeat(64);
export const CNS = 4026532500;

export function container(c: Partial<Container> = {}): Container {
  return {
    id: CID,
    name: 'web',
    image: 'pidscope/busybox:local',
    state: 'running',
    runtime: 'docker',
    initPid: 5000,
    hasInit: false,
    pidNs: CNS,
    pidsCurrent: 3,
    pidsMax: null,
    forkFailures: 0,
    pidsPeak: 3,
    labels: {},
    ...c,
  };
}
