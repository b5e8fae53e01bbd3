import type { Container, Host, Process, State } from '../src/index.js';
import { TEST_HOST_PID_NS, TEST_NAMESPACES, testProcess } from '../src/testing.js';

export function proc(pid: number, startTime: number, over: Partial<Process> = {}): Process {
  return testProcess({ pid, startTime, ...over });
}

export function container(id: string, over: Partial<Container> = {}): Container {
  return {
    id,
    name: `c-${id.slice(0, 6)}`,
    image: 'pidscope/busybox:local',
    state: 'running',
    runtime: 'docker',
    initPid: 4000,
    hasInit: false,
    pidNamespace: 4026532500,
    sharesPidNamespaceWith: [],
    hostPidNamespace: false,
    execs: [],
    namespaces: TEST_NAMESPACES,
    pidsCurrent: 2,
    pidsMax: null,
    forkFailures: 0,
    pidsPeak: null,
    labels: { 'io.pidscope.managed': 'true' },
    etaSeconds: null,
    ...over,
  };
}

export const host: Host = {
  hostname: 'box',
  pidMax: 4_194_304,
  threadsMax: 62_000,
  tasks: 300,
  processes: 3,
  zombies: 0,
  kernelThreads: 1,
  headroom: 61_700,
  etaSeconds: null,
  namespaces: TEST_NAMESPACES,
  pidNamespace: TEST_HOST_PID_NS,
  source: 'proc-connector',
  sourceReason: null,
};

export function state(seq: number, processes: Process[], over: Partial<State> = {}): State {
  return {
    seq,
    host,
    docker: { available: true, reason: null, version: '20.10.24' },
    containers: [],
    processes,
    ...over,
  };
}
