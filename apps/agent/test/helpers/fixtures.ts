import type { Container } from '@pidscope/protocol';
import { TEST_NAMESPACES } from '@pidscope/protocol/testing';

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
    pidNamespace: CNS,
    sharesPidNamespaceWith: [],
    hostPidNamespace: false,
    execs: [],
    namespaces: TEST_NAMESPACES,
    pidsCurrent: 3,
    pidsMax: null,
    forkFailures: 0,
    pidsPeak: 3,
    labels: {},
    etaSeconds: null,
    ...c,
  };
}
