import { type Container, isNamespaceInit, type Process } from '@pidscope/protocol';
import { testProcess } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import { analyseZombie } from '../../src/model/zombie.js';
import { CID, CNS, container } from '../helpers/fixtures.js';

const HOST_NS = 4026531836;

function ctx(processes: Process[], containers: Container[] = [], now = 10_000) {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  return {
    byPid,
    nsInit: (ns: number | null) =>
      processes.find((p) => p.pidNs === ns && (isNamespaceInit(p) || p.pid === 1)),
    container: (id: string) => containers.find((c) => c.id === id),
    now,
  };
}

const hostInit = testProcess({ pid: 1, ppid: 0, comm: 'systemd', cmdline: ['/sbin/init'] });
const inContainer = (p: Partial<Process> & { pid: number; nsPid: number }) => {
  const { nsPid, ...rest } = p;
  return testProcess({
    ...rest,
    nsPids: [p.pid, nsPid],
    pidNs: CNS,
    containerId: CID,
    runtime: 'docker',
  });
};

describe('analyseZombie', () => {
  it('is null for a process that is not a zombie', () => {
    expect(analyseZombie(testProcess({ pid: 10 }), ctx([hostInit]))).toBeNull();
  });

  it('blames a container PID 1 that does not reap: restart with --init', () => {
    const init = inContainer({
      pid: 5000,
      ppid: 4990,
      nsPid: 1,
      comm: 'sleep',
      cmdline: ['sleep', '600'],
    });
    const z = inContainer({
      pid: 5007,
      ppid: 5000,
      nsPid: 7,
      state: 'Z',
      cmdline: [],
      zombieSince: 4000,
    });
    const a = analyseZombie(z, ctx([hostInit, init, z], [container()]));
    expect(a).toMatchObject({
      pid: 5007,
      nsPid: 7,
      containerId: CID,
      zombieSince: 4000,
      ageMs: 6000,
      parent: { pid: 5000, comm: 'sleep', isContainerInit: true, isHostInit: false },
      initReaps: false,
      initComm: 'sleep',
    });
    expect(a?.fix).toMatch(/only restarting the container clears it/);
    expect(a?.fix).toMatch(/--init/);
  });

  it('with docker-init as PID 1: kill the parent and PID 1 reaps it', () => {
    const init = inContainer({
      pid: 5000,
      nsPid: 1,
      comm: 'docker-init',
      cmdline: ['/sbin/docker-init', '--', 'sh'],
    });
    const parent = inContainer({
      pid: 5001,
      ppid: 5000,
      nsPid: 7,
      comm: 'leaky',
      cmdline: ['./leaky'],
    });
    const z = inContainer({ pid: 5009, ppid: 5001, nsPid: 9, state: 'Z', zombieSince: 9000 });
    const a = analyseZombie(z, ctx([hostInit, init, parent, z], [container({ hasInit: true })]));
    expect(a).toMatchObject({
      initReaps: true,
      initComm: 'docker-init',
      parent: { pid: 5001, isContainerInit: false },
    });
    expect(a?.fix).toBe(
      'its parent leaky (PID 5001) never calls wait(); kill the parent and PID 1 (docker-init) of container web will reap it (or fix the parent to wait() for its children)',
    );
  });

  it('with a non-reaping PID 1: killing the parent only moves the zombie', () => {
    const init = inContainer({ pid: 5000, nsPid: 1, comm: 'sleep', cmdline: ['sleep', '600'] });
    const parent = inContainer({
      pid: 5001,
      ppid: 5000,
      nsPid: 7,
      comm: 'leaky',
      cmdline: ['./leaky'],
    });
    const z = inContainer({ pid: 5009, ppid: 5001, nsPid: 9, state: 'Z' });
    const a = analyseZombie(z, ctx([hostInit, init, parent, z], [container()]));
    expect(a?.initReaps).toBe(false);
    expect(a?.fix).toMatch(
      /killing the parent only moves the zombie to PID 1 \(sleep\), where it stays; restart the container with --init/,
    );
  });

  it('with a shell as PID 1: unknown, and says so', () => {
    const init = inContainer({ pid: 5000, nsPid: 1, comm: 'sh', cmdline: ['/bin/sh', '-c', 'x'] });
    const parent = inContainer({ pid: 5001, ppid: 5000, nsPid: 7, comm: 'leaky' });
    const z = inContainer({ pid: 5009, ppid: 5001, nsPid: 9, state: 'Z' });
    const a = analyseZombie(z, ctx([hostInit, init, parent, z], [container()]));
    expect(a?.initReaps).toBeNull();
    expect(a?.fix).toMatch(/reaps only while it waits for its own jobs/);
  });

  it('on the host: blames the parent and names host PID 1', () => {
    const parent = testProcess({ pid: 300, ppid: 1, comm: 'leaky', cmdline: ['./leaky'] });
    const z = testProcess({ pid: 301, ppid: 300, state: 'Z', cmdline: [], pidNs: HOST_NS });
    const a = analyseZombie(z, ctx([hostInit, parent, z]));
    expect(a).toMatchObject({
      nsPid: null,
      containerId: null,
      initReaps: true,
      initComm: 'systemd',
      parent: { pid: 300, isHostInit: false, isContainerInit: false },
    });
    expect(a?.fix).toMatch(/kill the parent and PID 1 \(systemd\) of the host will reap it/);
  });

  it('whose parent is host PID 1: lazy reaping, judge by age', () => {
    const z = testProcess({ pid: 301, ppid: 1, state: 'Z', zombieSince: 9500 });
    const a = analyseZombie(z, ctx([hostInit, z]));
    expect(a?.parent).toMatchObject({ pid: 1, isHostInit: true });
    expect(a?.fix).toMatch(/reaps lazily/);
    expect(a?.ageMs).toBe(500);
  });
});
