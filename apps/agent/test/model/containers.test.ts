import { TEST_HOST_PID_NS, testProcess } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import { buildContainers, type DockerContainer } from '../../src/model/containers.js';

const WEB = 'a'.repeat(64);
const SIDECAR = 'b'.repeat(64);
const HOSTY = 'c'.repeat(64);
const NS = 4026532600;

function docker(id: string, name: string, initPid: number): DockerContainer {
  return {
    id,
    name,
    image: 'busybox',
    state: 'running',
    initPid,
    hasInit: false,
    pidsLimit: null,
    labels: {},
    execs: [],
  };
}

describe('buildContainers', () => {
  it('[S9] says which containers share a PID namespace, and which run in the host’s, with their namespaces', () => {
    const processes = [
      testProcess({ pid: 1 }),
      testProcess({ pid: 100, containerId: WEB, pidNs: NS, nsPids: [100, 1] }),
      // `--pid container:web`: the sidecar's main process is PID 7 in web's namespace.
      testProcess({ pid: 107, containerId: SIDECAR, pidNs: NS, nsPids: [107, 7] }),
      // `--pid host`: host PIDs, the host's namespace.
      testProcess({ pid: 200, containerId: HOSTY, pidNs: TEST_HOST_PID_NS, nsPids: [200] }),
    ];
    const read: number[] = [];
    const containers = buildContainers({
      processes,
      cgroups: {},
      docker: new Map([
        [WEB, docker(WEB, 'web', 100)],
        [SIDECAR, docker(SIDECAR, 'sidecar', 107)],
        [HOSTY, docker(HOSTY, 'hosty', 200)],
      ]),
      dockerAvailable: true,
      previous: new Map(),
      namespacesOf: (p) => {
        read.push(p.pid);
        return { net: p.pid, mnt: p.pid + 1, ipc: 9, uts: p.pid + 2, user: 1, cgroup: 1 };
      },
      hostPidNamespace: TEST_HOST_PID_NS,
      redact: (argv) => argv,
    });
    expect(containers.get(WEB)).toMatchObject({
      pidNamespace: NS,
      sharesPidNamespaceWith: [SIDECAR],
      hostPidNamespace: false,
      namespaces: { net: 100, mnt: 101, ipc: 9, uts: 102, user: 1, cgroup: 1 },
    });
    expect(containers.get(SIDECAR)).toMatchObject({
      pidNamespace: NS,
      sharesPidNamespaceWith: [WEB],
      hostPidNamespace: false,
    });
    expect(containers.get(HOSTY)).toMatchObject({
      pidNamespace: TEST_HOST_PID_NS,
      sharesPidNamespaceWith: [],
      hostPidNamespace: true,
    });
    // Each container's namespaces are read through its own main process.
    expect(read.sort()).toEqual([100, 107, 200]);
  });
});
