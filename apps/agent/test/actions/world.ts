import type { Container, Process } from '@pidscope/protocol';
import { TEST_NAMESPACES, testProcess } from '@pidscope/protocol/testing';

/** The PID namespace and id of container `web`, the one the preview tests build. */
export const NS = 4026532200;
export const CID = 'c'.repeat(64);

/** A process of container `web` (start time pid × 10), unless `p` says otherwise. */
export function proc(p: Partial<Process> & Pick<Process, 'pid' | 'ppid' | 'comm'>): Process {
  return testProcess({
    cmdline: [p.comm],
    startTime: p.pid * 10,
    pidNs: NS,
    containerId: CID,
    runtime: 'docker',
    rssBytes: 0,
    ...p,
  });
}

/** Container `web`, its PID 1 being host PID 100; it has an init when that one is docker-init. */
export function web(initComm: string, pidsCurrent: number): Container {
  return {
    id: CID,
    name: 'web',
    image: 'x',
    state: 'running',
    runtime: 'docker',
    initPid: 100,
    hasInit: initComm === 'docker-init',
    pidNamespace: NS,
    sharesPidNamespaceWith: [],
    hostPidNamespace: false,
    execs: [],
    namespaces: TEST_NAMESPACES,
    pidsCurrent,
    pidsMax: null,
    forkFailures: 0,
    pidsPeak: null,
    labels: {},
    etaSeconds: null,
  };
}
