import { readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupReader, type ProcessRecord, ProcScanner, readProcess } from '../../src/index.js';
import {
  childrenOf,
  containerPid,
  docker,
  removeContainers,
  requireBusyboxImage,
  runContainer,
  stateOf,
  uniqueTestId,
  waitFor,
} from '../support/live.js';

const testId = uniqueTestId('docker');
const cgroupParent = `/pidscope-${testId}`;
beforeAll(() => requireBusyboxImage());
afterAll(() => {
  removeContainers(testId);
  // Docker creates --cgroup-parent directories in every v1 hierarchy and leaves them behind.
  for (const hierarchy of [
    'pids',
    'cpu',
    'cpuacct',
    'cpuset',
    'memory',
    'devices',
    'freezer',
    'blkio',
    'systemd',
    'unified',
  ]) {
    try {
      rmdirSync(`/sys/fs/cgroup/${hierarchy}${cgroupParent}`);
    } catch {
      // not created in this hierarchy
    }
  }
});

function scanFor(pid: number): ProcessRecord | undefined {
  const scanner = new ProcScanner();
  try {
    return scanner.scan().processes.find((p) => p.pid === pid);
  } finally {
    scanner.close();
  }
}

describe('live Docker containers', () => {
  it('attributes the zombie of a PID 1 that does not reap to its container', async () => {
    // `(sleep 1 &)` orphans the sleep to PID 1, which is `sleep 600` and never calls wait().
    const id = runContainer(testId, [], ['sh', '-c', '(sleep 1 &); exec sleep 600']);
    const init = containerPid(id);
    const zombie = await waitFor('the container zombie', () =>
      childrenOf(init).find((c) => stateOf(c) === 'Z'),
    );
    const scanner = new ProcScanner();
    const processes = scanner.scan().processes;
    scanner.close();
    const initRecord = processes.find((p) => p.pid === init);
    const record = processes.find((p) => p.pid === zombie);
    expect(initRecord).toMatchObject({
      containerId: id,
      runtime: 'docker',
      nsPids: [init, 1],
      comm: 'sleep',
      cmdline: ['sleep', '600'],
    });
    expect(record).toMatchObject({
      pid: zombie,
      ppid: init,
      state: 'Z',
      comm: 'sleep',
      containerId: id,
      runtime: 'docker',
      pidNs: initRecord?.pidNs,
      // Its cgroup v1 lines read `/`; the 0:: line still names the container.
      pidsCgroup: '/',
      unifiedCgroup: `/docker/${id}`,
    });
    // In-container PID: the container's own procfs shows the zombie under that PID.
    const nsPid = record?.nsPids[1] as number;
    expect(record?.nsPids).toEqual([zombie, nsPid]);
    expect(nsPid).toBeGreaterThan(1);
    const inside = readProcess(nsPid, `/proc/${init}/root/proc`);
    expect(inside).toMatchObject({ pid: nsPid, ppid: 1, state: 'Z', startTime: record?.startTime });

    // Docker's own view misses it: `docker top` lists PID 1 only.
    const top = docker('top', id, '-o', 'pid');
    expect(top).toContain(String(init));
    expect(top).not.toContain(String(zombie));
  });

  it('attributes a `docker exec` process seen by an incremental scanner', async () => {
    const id = runContainer(testId, [], ['sleep', '600']);
    const init = containerPid(id);
    const scanner = new ProcScanner();
    scanner.scan();
    docker('exec', '-d', id, 'sleep', '321');
    // runc joins the container's cgroup and namespaces, then execs: the scanner reads the new
    // process (or re-reads it after the exec) and finds it in the container.
    const exec = await waitFor('the exec’d sleep', () =>
      scanner.scan().processes.find((p) => p.cmdline.join(' ') === 'sleep 321' && p.pid !== init),
    );
    scanner.close();
    expect(exec).toMatchObject({ containerId: id, runtime: 'docker', comm: 'sleep' });
    expect(exec.nsPids).toHaveLength(2);
    expect(exec.pidNs).toBe(scanFor(init)?.pidNs);
  });

  it('reads pids.max/current/events/peak of a --pids-limit container, matching docker inspect', async () => {
    const limit = 8;
    const id = runContainer(testId, ['--pids-limit', String(limit)], ['sleep', '600']);
    const init = containerPid(id);
    expect(Number(docker('inspect', '--format', '{{.HostConfig.PidsLimit}}', id))).toBe(limit);
    const record = await waitFor('the container init', () => scanFor(init));
    const reader = new CgroupReader();
    const before = reader.readPids(record);
    const dir = `/sys/fs/cgroup/pids/docker/${id}`;
    expect(before).toMatchObject({
      path: `/docker/${id}`,
      dir,
      version: 1,
      max: limit,
      effectiveMax: limit,
      forkFailures: 0,
      current: Number(readFileSync(`${dir}/pids.current`, 'utf8')),
    });
    expect(readFileSync(`${dir}/pids.max`, 'utf8').trim()).toBe(String(limit));

    // Fork past the limit from inside: the shell's forks fail once 8 tasks exist.
    try {
      docker(
        'exec',
        id,
        'sh',
        '-c',
        'i=0; while [ $i -lt 20 ]; do sleep 600 & i=$((i+1)); done; wait',
      );
    } catch {
      // sh dies with "can't fork"; that is the point.
    }
    const after = await waitFor('fork failures', () => {
      const p = reader.readPids(record);
      return p && p.forkFailures > 0 ? p : undefined;
    });
    expect(after.forkFailures).toBe(
      Number(readFileSync(`${dir}/pids.events`, 'utf8').split(' ')[1]),
    );
    expect(after.peak).toBeGreaterThanOrEqual(limit);
    // What is left after the storm depends on where the forks failed (the shell's, or runc's for
    // the exec itself); the count read must be the kernel's either way.
    const current = Number(readFileSync(`${dir}/pids.current`, 'utf8'));
    expect(current).toBeGreaterThanOrEqual(1);
    expect(reader.readPids(record)?.current).toBe(current);
    expect(reader.readPidsAt(`/docker/${id}`)).toMatchObject({ max: limit, path: `/docker/${id}` });
  });

  it('reports no limit for a container without --pids-limit', async () => {
    const id = runContainer(testId, [], ['sleep', '600']);
    const inspected = docker('inspect', '--format', '{{.HostConfig.PidsLimit}}', id);
    expect(['<nil>', '0', '-1']).toContain(inspected);
    const record = await waitFor('the container init', () => scanFor(containerPid(id)));
    expect(new CgroupReader().readPids(record)).toMatchObject({ max: null, effectiveMax: null });
  });

  it('takes the smallest pids.max over ancestor cgroups as the effective limit', async () => {
    const id = runContainer(
      testId,
      ['--cgroup-parent', cgroupParent, '--pids-limit', '50'],
      ['sleep', '600'],
    );
    const record = await waitFor('the container init', () => scanFor(containerPid(id)));
    writeFileSync(`/sys/fs/cgroup/pids${cgroupParent}/pids.max`, '5');
    expect(record.containerId).toBe(id);
    expect(new CgroupReader().readPids(record)).toMatchObject({
      path: `${cgroupParent}/${id}`,
      max: 50,
      effectiveMax: 5,
    });
  });
});
